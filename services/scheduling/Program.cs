// The scheduling service (app-id "scheduling"): work orders as Dapr actors and the technicians registry, behind a gRPC API.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddScheduling();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapSchedulingApi();
app.MapSchedulingEventHandlers();
app.Run();
