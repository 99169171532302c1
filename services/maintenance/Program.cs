// The maintenance service (app-id "maintenance"): decides that a device needs maintenance and runs its process.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMaintenance();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapMaintenanceApi();
app.MapMaintenanceEventHandlers();
app.Run();
