// The stations service (app-id "stations"): the Station aggregate as a Dapr actor behind a gRPC API.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddStations();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapStationsApi();
app.MapStationsEventHandlers();
app.Run();
