using System.Diagnostics;
using System.Globalization;
using ConformanceApp;
using Dapr.Actors;
using Dapr.Actors.Client;

namespace LocalDapr.Tests;

/// <summary>
/// An app in another language: <c>tests/js-conformance</c> runs the Dapr JavaScript SDK (<c>@dapr/dapr</c>) the plain
/// way against a sidecar of the local runtime, over HTTP and gRPC, and reports each call's outcome.
/// </summary>
public sealed class JsConformanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_javascript_sdk_is_answered_as_daprd_answers_it()
    {
        var app = AppDirectory();
        if (!Directory.Exists(Path.Combine(app, "node_modules", "@dapr", "dapr")))
            Assert.Skip($"the JavaScript conformance app is not installed: run `npm ci` in {app} (.ci/run does)");

        await using var harness = Harness.Create();
        var callee = await harness.AddAsync("callee", options: new ConformanceOptions { Actors = true });
        var (_, raw) = await harness.AddRawAsync("raw-subscriber", """[{"pubsubname":"pubsub","topic":"raw-js","route":"/raw","metadata":{"rawPayload":"true"}}]""", (_, _) => (200, """{"status":"SUCCESS"}"""));
        var js = await harness.AddAsync("js", withApp: false);
        var counter = ActorProxy.Create<ICounterActor>(new ActorId("js-1"), nameof(CounterActor), new ActorProxyOptions { HttpEndpoint = callee.HttpEndpoint });
        Assert.Equal(3, await counter.IncrementAsync(3));

        using var results = JsonDocument.Parse(await RunAsync(app, new Dictionary<string, string>
        {
            ["DAPR_HTTP_PORT"] = js.Sidecar.HttpPort.ToString(CultureInfo.InvariantCulture),
            ["DAPR_GRPC_PORT"] = js.Sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture),
            ["CALLEE_APP_ID"] = "callee",
        }));
        var r = results.RootElement;

        // HTTP bulk publish: the SDK sends entryID, which daprd's JSON decoding matches to entryId.
        Assert.Equal(0, Ok(r, "bulkPublish").GetInt32());
        await callee.Recorder.WaitForAsync(x => x.Any(e => e.Order?.N == 101) && x.Any(e => e.Order?.N == 102), what: "the bulk-published orders");

        // Extended metadata set over HTTP (PUT /v1.0/metadata/{key}) and gRPC (SetMetadata); the actorRuntime object.
        var metadata = Ok(r, "setMetadata");
        Assert.Equal("one", metadata.GetProperty("extended").GetProperty("js-http").GetString());
        Assert.Equal("two", metadata.GetProperty("extended").GetProperty("js-grpc").GetString());
        var actorRuntime = metadata.GetProperty("actorRuntime");
        Assert.Equal("RUNNING", actorRuntime.GetProperty("runtimeStatus").GetString());
        Assert.True(actorRuntime.GetProperty("hostReady").GetBoolean());
        Assert.Equal("placement: connected", actorRuntime.GetProperty("placement").GetString());

        // gRPC InvokeService to an HTTP app, and its answer to a refusal (the HTTP status as daprd maps it to a gRPC code).
        var echo = Ok(r, "invokeService");
        Assert.Equal("POST", echo.GetProperty("method").GetString());
        Assert.Equal("/echo/js", echo.GetProperty("path").GetString());
        Assert.Equal("""{"hello":"js"}""", echo.GetProperty("body").GetString());
        Assert.Equal("js", echo.GetProperty("caller").GetString());
        var refused = r.GetProperty("invokeServiceRefused");
        Assert.False(refused.TryGetProperty("ok", out _), refused.ToString());
        Assert.Contains("Not Found", refused.GetProperty("error").GetString());

        // gRPC InvokeActor reaches the actor hosted by the .NET app.
        Assert.Equal(3, Ok(r, "invokeActor").GetInt32());

        // A raw payload reaches a subscriber that asks for raw payloads wrapped in a CloudEvent from source "Dapr".
        Ok(r, "rawPublish");
        var delivery = Assert.Single(await raw.WaitForAsync(1));
        using var envelope = JsonDocument.Parse(delivery.Body);
        Assert.Equal("Dapr", envelope.RootElement.GetProperty("source").GetString());
        Assert.Equal("""{"n":7}""", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(envelope.RootElement.GetProperty("data_base64").GetString()!)));
    }

    private static JsonElement Ok(JsonElement results, string check)
    {
        var outcome = results.GetProperty(check);
        return outcome.TryGetProperty("ok", out var ok) ? ok : throw new Xunit.Sdk.XunitException($"{check} failed in the JavaScript app: {outcome}");
    }

    private static string AppDirectory()
    {
        var dir = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(dir, "tests", "js-conformance")))
            dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("tests/js-conformance above " + AppContext.BaseDirectory);
        return Path.Combine(dir, "tests", "js-conformance");
    }

    /// <summary>Runs <c>node app.js</c> with <paramref name="environment"/>; returns its last line of output.</summary>
    private static async Task<string> RunAsync(string directory, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("node", ["app.js"]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node app.js exited with {process.ExitCode}: {output}\n{await stderr}");
        return output.TrimEnd().Split('\n')[^1];
    }
}
