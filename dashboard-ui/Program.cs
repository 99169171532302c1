// The operator dashboard (app-id "dashboard"): a Blazor Web App (interactive server) that reads every service through its own
// Dapr sidecar and receives live alerts from the notifications hub. See README.md in this folder.
var builder = WebApplication.CreateBuilder(args);
builder.AddDashboard();

var app = builder.Build();
app.MapDashboard();
app.Run();
