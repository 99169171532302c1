// The notifications service (app-id "notifications"): alerts from faults, locks, maintenance and work orders; notification
// configurations with e-mail, signed webhook and dashboard channels and a delivery log; the operations hub (SignalR).
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotifications();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapNotificationsApi();
app.MapNotificationsEventHandlers();
app.Run();
