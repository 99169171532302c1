using ConformanceApp;

// Run standalone (under the runner): the port and protocol come from APP_PORT and APP_PROTOCOL, as the Dapr CLI gives them.
var port = int.Parse(Environment.GetEnvironmentVariable("APP_PORT") ?? "5050", System.Globalization.CultureInfo.InvariantCulture);
var h2c = Environment.GetEnvironmentVariable("APP_PROTOCOL") is "h2c" or "grpc";
if (Environment.GetEnvironmentVariable("CONFORMANCE_EXIT_CODE") is { } code) return int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
// CONFORMANCE_ACTORS=true hosts the actors too; the sidecar's ports then come only from DAPR_HTTP_PORT/DAPR_GRPC_PORT, as for any plain app.
var options = new ConformanceOptions { Actors = Environment.GetEnvironmentVariable("CONFORMANCE_ACTORS") == "true" };
var app = ConformanceHost.Build(port, h2c, new Recorder(), Environment.GetEnvironmentVariable("APP_ID") ?? "a", args, options);
Console.WriteLine($"conformance app listening on {port} ({(h2c ? "h2c" : "http")})");
await app.RunAsync();
return 0;
