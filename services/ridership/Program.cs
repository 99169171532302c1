// The ridership service (app-id "ridership"): passages counted per station, turnstile, line and network; queries over gRPC and HTTP JSON.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddRidership();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRidershipApi();
app.MapRidershipEventHandlers();
app.Run();
