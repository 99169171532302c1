using System.Text.Json;
using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using StackExchange.Redis;

namespace Bench;

public interface IBenchActor : IActor
{
    Task<int> NextAsync(int n);
}

/// <summary>The smallest actor: what an actor call costs beyond the work it does.</summary>
public sealed class BenchActor(ActorHost host) : Actor(host), IBenchActor
{
    public Task<int> NextAsync(int n) => Task.FromResult(n + 1);
}

/// <summary>
/// The durable half: actor calls through the sidecar beside the same call made straight to the app, and pub/sub
/// throughput on the Redis backend beside a direct Redis Streams round trip (XADD, XREADGROUP, XACK), in one run.
/// </summary>
public static class DurableBench
{
    public static async Task<string> RunAsync(int calls, int rate, int events, TextWriter log)
    {
        var report = new StringBuilder();
        await ActorsAsync(calls, rate, log, report);
        await RedisAsync(events, log, report);
        return report.ToString();
    }

    private static async Task ActorsAsync(int calls, int rate, TextWriter log, StringBuilder report)
    {
        log.WriteLine("actor calls");
        var dir = Directory.CreateTempSubdirectory("bench-actors-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "state.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: statestore }
            spec:
              type: state.in-memory
              version: v1
              metadata: [{ name: actorStateStore, value: "true" }]
            """);
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        await using var env = new RuntimeEnvironment(loggers);
        int appPort = Sidecar.FreePort(), httpPort = Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(appPort, o => o.Protocols = HttpProtocols.Http1));
        builder.Services.AddActors(o =>
        {
            o.Actors.RegisterActor<BenchActor>();
            o.HttpEndpoint = $"http://127.0.0.1:{httpPort}";
        });
        var app = builder.Build();
        app.MapActorsHandlers();
        app.MapPost("/next", async (HttpContext c) => Results.Json(await JsonSerializer.DeserializeAsync<int>(c.Request.Body) + 1));
        await app.StartAsync();
        await using var sidecar = await Sidecar.StartAsync(new SidecarOptions { AppId = "actors", AppPort = appPort, HttpPort = httpPort, ResourcesPaths = [dir] }, env);
        await sidecar.AppReady;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 });
        var options = new ActorProxyOptions { HttpEndpoint = $"http://127.0.0.1:{httpPort}" };
        var proxies = Enumerable.Range(0, 64).Select(i => ActorProxy.Create(new ActorId($"a{i}"), nameof(BenchActor), options)).ToArray();
        var limit = TimeSpan.FromSeconds(Math.Max(30, calls / (double)rate * 3));

        async Task Direct(int i)
        {
            using var response = await http.PostAsync($"http://127.0.0.1:{appPort}/next", new StringContent(i.ToString(CultureInfo.InvariantCulture), Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        }
        Task Actor(int i) => proxies[i % proxies.Length].InvokeMethodAsync<int, int>(nameof(IBenchActor.NextAsync), i);

        await Load.PacedAsync("warm", rate, Math.Min(calls, 2000), 16, limit, Direct);
        await Load.PacedAsync("warm", rate, Math.Min(calls, 2000), 16, limit, Actor);
        var direct = await Load.PacedAsync("JSON call straight to the app (same work, no actor)", rate, calls, 16, limit, Direct);
        var actor = await Load.PacedAsync("Actor call through the sidecar (non-remoting proxy, 64 actors)", rate, calls, 16, limit, Actor);
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(dir, true);

        report.AppendLine(CultureInfo.InvariantCulture, $"## Actor calls ({rate}/s, {calls} calls)");
        report.AppendLine();
        report.AppendLine(LocalRuntimeBench.Header);
        report.AppendLine(direct.Row(direct));
        report.AppendLine(actor.Row(direct));
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"An actor call through the runtime adds **{actor.PercentileMs(50) - direct.PercentileMs(50):0.000} ms** at p50 (turn lock, routing, the SDK's actor dispatch); Dapr publishes 2.30 ms p50 for an actor activation call at 500/s.");
        report.AppendLine();
    }

    private static async Task RedisAsync(int events, TextWriter log, StringBuilder report)
    {
        report.AppendLine(CultureInfo.InvariantCulture, $"## Pub/sub on Redis Streams ({events:N0} events per scenario)");
        report.AppendLine();
        if (!File.Exists("/usr/bin/redis-server"))
        {
            report.AppendLine("Not measured: no `redis-server` on this machine (`apt-get install redis-server`).");
            report.AppendLine();
            return;
        }
        log.WriteLine("Redis pub/sub");
        var port = Sidecar.FreePort();
        var data = Directory.CreateTempSubdirectory("bench-redis-").FullName;
        using var redis = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", data])
        { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            using var connection = await ConnectAsync(port);
            var db = connection.GetDatabase();

            // Baselines: what the broker itself costs, measured with the same client library the runtime uses.
            var ping = new Sample("Redis PING round trip (the floor of any Redis call)");
            for (var i = 0; i < 2000; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await db.PingAsync();
                ping.Record(start, Stopwatch.GetTimestamp());
            }
            ping.Elapsed = TimeSpan.FromSeconds(1);
            var direct = await DirectStreamsAsync(db, events);

            var dir = Directory.CreateTempSubdirectory("bench-redis-components-").FullName;
            await File.WriteAllTextAsync(Path.Combine(dir, "pubsub.yaml"), $$"""
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata: { name: pubsub }
                spec:
                  type: pubsub.redis
                  version: v1
                  metadata: [{ name: redisHost, value: "127.0.0.1:{{port}}" }]
                """);
            var runtime = await RuntimeThroughputAsync(dir, events);
            Directory.Delete(dir, true);

            report.AppendLine(LocalRuntimeBench.Header);
            report.AppendLine(ping.Row(ping));
            report.AppendLine(direct.Row(direct));
            report.AppendLine(runtime.Row(direct));
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"Delivered through the runtime on Redis: **{runtime.PerSecond:N0} events/s** (bulk publish, bulk-subscribe delivery), against **{direct.PerSecond:N0} events/s** for the bare stream round trip.");
            report.AppendLine();
        }
        finally
        {
            redis.Kill();
            await redis.WaitForExitAsync();
            Directory.Delete(data, true);
        }
    }

    /// <summary>XADD in pipelined batches of 100, read back with XREADGROUP and XACKed: the broker's own cost.</summary>
    private static async Task<Sample> DirectStreamsAsync(IDatabase db, int events)
    {
        var sample = new Sample("Direct Redis Streams: XADD batches of 100, XREADGROUP, XACK");
        const string stream = "bench-direct";
        await db.StreamCreateConsumerGroupAsync(stream, "bench", "0", createStream: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var producer = Task.Run(async () =>
        {
            for (var sent = 0; sent < events; sent += 100)
            {
                var batch = db.CreateBatch();
                var adds = Enumerable.Range(0, 100).Select(_ => batch.StreamAddAsync(stream, "data", Stopwatch.GetTimestamp())).ToArray();
                batch.Execute();
                await Task.WhenAll(adds);
            }
        });
        var received = 0;
        while (received < events)
        {
            var entries = await db.StreamReadGroupAsync(stream, "bench", "c1", ">", 100);
            if (entries.Length == 0)
            {
                await Task.Yield();
                continue;
            }
            var now = Stopwatch.GetTimestamp();
            foreach (var entry in entries) sample.Record((long)entry["data"], now);
            await db.StreamAcknowledgeAsync(stream, "bench", entries.Select(e => e.Id).ToArray());
            received += entries.Length;
        }
        await producer;
        sample.Elapsed = Stopwatch.GetElapsedTime(start);
        sample.Cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return sample;
    }

    private static async Task<Sample> RuntimeThroughputAsync(string componentsDir, int events)
    {
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        await using var env = new RuntimeEnvironment(loggers);
        var sample = new Sample("Through the runtime: bulk publish (100), bulk-subscribe delivery (100)");
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appPort = Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(appPort, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.MapGet("/dapr/subscribe", () => Results.Text("""[{"pubsubname":"pubsub","topic":"bench","route":"/batch","bulkSubscribe":{"enabled":true,"maxMessagesCount":100,"maxAwaitDurationMs":5}}]""", "application/json"));
        app.MapPost("/batch", async (HttpContext c) =>
        {
            using var doc = await JsonDocument.ParseAsync(c.Request.Body);
            var now = Stopwatch.GetTimestamp();
            var statuses = new List<object>();
            foreach (var entry in doc.RootElement.GetProperty("entries").EnumerateArray())
            {
                sample.Record(entry.GetProperty("event").GetProperty("data").GetProperty("sent").GetInt64(), now);
                statuses.Add(new { entryId = entry.GetProperty("entryId").GetString(), status = "SUCCESS" });
            }
            if (Interlocked.Add(ref received, statuses.Count) >= events) done.TrySetResult();
            return Results.Json(new { statuses });
        });
        await app.StartAsync();
        await using var subscriber = await Sidecar.StartAsync(new SidecarOptions { AppId = "bench-subscriber", AppPort = appPort, ResourcesPaths = [componentsDir] }, env);
        await using var publisher = await Sidecar.StartAsync(new SidecarOptions { AppId = "bench-publisher", ResourcesPaths = [componentsDir] }, env);
        await subscriber.AppReady;
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{publisher.GrpcPort}").UseHttpEndpoint($"http://127.0.0.1:{publisher.HttpPort}").Build();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) * 100 < events)
            {
                var items = Enumerable.Range(0, 100).Select(_ => new { sent = Stopwatch.GetTimestamp() }).ToList();
                var response = await dapr.BulkPublishEventAsync("pubsub", "bench", items);
                if (response.FailedEntries.Count > 0) throw new InvalidOperationException($"{response.FailedEntries.Count} entries failed");
            }
        })));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(180));
        sample.Elapsed = Stopwatch.GetElapsedTime(start);
        sample.Cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        await app.StopAsync();
        await app.DisposeAsync();
        return sample;
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=true,connectTimeout=500");
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
