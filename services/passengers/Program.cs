// The passengers service (app-id "passengers"): passengers, their loyalty programme, consent to identification and transit card; card top-ups as a Dapr Workflow.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPassengers();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapPassengersApi();
app.MapPassengersEventHandlers();
app.Run();
