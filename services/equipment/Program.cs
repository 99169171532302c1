// The equipment service (app-id "equipment"): turnstiles and cameras as Dapr actors behind a gRPC API.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEquipment();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapEquipmentApi();
app.MapEquipmentEventHandlers();
app.Run();
