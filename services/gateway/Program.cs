// The gateway (app-id "gateway"), the station edge: devices stream passages, faults and heartbeats over mutual TLS;
// passages are batched per turnstile, journaled, acknowledged and forwarded to equipment through the Dapr sidecar.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGatewayApi();
app.MapGatewayEventHandlers();
app.Run();
