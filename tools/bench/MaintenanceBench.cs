using Dapr.Client;
using LocalDapr.Runner;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Contracts.Stations.V1;

namespace Bench;

/// <summary>
/// The maintenance path under passage load: the services under the runner (in-memory or Redis backend), the device simulator
/// sending passages through the gateway for a bounded time, and meanwhile turnstiles of stations of their own faulted
/// over equipment's API. Each fault is followed by a scripted technician who waits for its work order and assigns,
/// starts and completes it over HTTP through a sidecar, then waits for the maintenance request to be closed.
/// Reports fault-to-work-order-created latency (the order's own <c>created_at</c> against the time the fault was sent,
/// one clock) and maintenance processes completed per second, fault to closed request.
/// </summary>
public static class MaintenanceBench
{
    private static readonly string[] Services = ["stations", "equipment", "gateway", "ridership", "scheduling", "maintenance", "simulator"];
    private static readonly string[] Technicians = ["tech-001", "tech-002", "tech-003"];
    private const int WarmUpProcesses = 10;

    public static async Task<string> RunAsync(string root, string configuration, string backend, int rate, int loadWarmup, int faults, int concurrency, int faultSeconds, int stations, int turnstiles, TextWriter log)
    {
        var dir = Directory.CreateTempSubdirectory("bench-maintenance-").FullName;
        Process? redis = null;
        try
        {
            var (components, redisHost) = PassageBench.Backend(root, backend, dir, out redis);
            var ports = Services.ToDictionary(s => s, _ => (App: Sidecar.FreePort(), Http: Sidecar.FreePort(), Grpc: Sidecar.FreePort()));
            var devicePort = Sidecar.FreePort();
            var runFile = Path.Combine(dir, "dapr.yaml");
            // The scripted technicians act as a supervisor with a token scheduling trusts (ADR 0009).
            await using var issuer = await Mtaeda.Testing.TestIssuer.StartAsync(CancellationToken.None);
            Environment.SetEnvironmentVariable("BENCHENV_Hub__Authority", issuer.Authority);
            Environment.SetEnvironmentVariable("BENCHENV_Hub__RequireHttpsMetadata", "false");
            // The observer: this process, subscribed (through a sidecar of its own) to the work orders' and maintenance's
            // events, as any subscriber is; the runner starts its sidecar and waits for its port like any app's.
            await using var observer = await Observer.StartAsync();
            var observerPorts = (Http: Sidecar.FreePort(), Grpc: Sidecar.FreePort());
            await PassageBench.RunFile(root, configuration, dir, components, ports, devicePort)
                .Sidecar(Observer.AppId, dir, observerPorts.Http, observerPorts.Grpc, observer.Port, "http").WriteAsync(runFile);
            var apiToken = System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);
            Environment.SetEnvironmentVariable("DAPR_API_TOKEN", apiToken);
            await using var runner = RunnerProcess.Start(Path.Combine(AppContext.BaseDirectory, "local-dapr.dll"), ["run", "-f", runFile, "--app-startup-timeout", "180"],
                new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = apiToken, ["APP_API_TOKEN"] = null, ["MTAEDA_REDIS_HOST"] = redisHost });
            await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(240));
            log.WriteLine($"maintenance on {backend}: system up");

            var sidecar = $"http://127.0.0.1:{ports["simulator"].Grpc}";
            var stationsApi = new Stations.StationsClient(DaprClient.CreateInvocationInvoker("stations", sidecar, apiToken));
            var equipment = new Equipment.EquipmentClient(DaprClient.CreateInvocationInvoker("equipment", sidecar, apiToken));
            var maintenance = new Maintenance.MaintenanceClient(DaprClient.CreateInvocationInvoker("maintenance", sidecar, apiToken));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["simulator"].Http}/v1.0/invoke/"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Add("dapr-api-token", apiToken);
            issuer.As(http, "supervisor");

            // The faulted turnstiles, one per fault, so that no fault joins another's open request; the last WarmUpProcesses of
            // them warm the maintenance path up before the measured faults.
            var ids = await SystemRun.InstallFaultTurnstilesAsync(stationsApi, equipment, 900, faults + WarmUpProcesses);
            log.WriteLine($"maintenance: {ids.Length} turnstiles installed for faults");

            // The passage load, for longer than the faults can take; stopped once they are done.
            var progress = new List<(long Sent, long At)>();
            var loadSeconds = loadWarmup + faultSeconds + 150; // room for the maintenance warm-up; stopped once the faults are done
            var load = await SystemRun.StartPassageLoadAsync(root, configuration, ports["simulator"], devicePort, dir, rate, loadWarmup, loadSeconds, stations, turnstiles, progress, log);

            // Warm-up of the maintenance path itself (the passage load warms only the passage path): a few processes run
            // to completion, not measured, so that the measured faults meet code already compiled to its final tier, as a
            // running system's do, instead of queueing behind the first calls of every service on the path.
            log.WriteLine($"maintenance: warming the maintenance path up with {WarmUpProcesses} processes");
            var warm = new Samples(new("warm-up"), new("warm-up"), new("warm-up"), new("warm-up"), new("warm-up"));
            using (var warmLimit = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
            {
                await Parallel.ForAsync(faults, faults + WarmUpProcesses, new ParallelOptions { MaxDegreeOfParallelism = WarmUpProcesses, CancellationToken = warmLimit.Token },
                    async (i, ct) => await ProcessAsync(i, ids[i], equipment, observer, maintenance, http, warm, ct));
            }

            var pids = Services.Where(s => s != "simulator").ToDictionary(s => s, s => runner.PidOf(s));
            pids["runtime (all sidecars)"] = runner.Id;
            var cpuBefore = pids.ToDictionary(p => p.Key, p => PassageBench.CpuOf(p.Value));

            log.WriteLine($"maintenance: {faults} faults, {concurrency} technicians at work, at most {faultSeconds} s");
            var toOrder = new Sample("fault to WorkOrderCreated received");
            var toAnswered = new Sample("fault answered by equipment");
            var toRequired = new Sample("fault to MaintenanceRequired received");
            var toCreatedAt = new Sample("fault to the order's created_at");
            var toClosed = new Sample("fault to request closed");
            var failures = new List<string>();
            var completed = 0;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(faultSeconds));
            var begin = Stopwatch.GetTimestamp();
            try
            {
                await Parallel.ForAsync(0, faults, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stop.Token }, async (i, ct) =>
                {
                    try
                    {
                        await ProcessAsync(i, ids[i], equipment, observer, maintenance, http, new(toOrder, toAnswered, toRequired, toCreatedAt, toClosed), ct);
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        lock (failures) failures.Add($"{ids[i].Turnstile}: {e.Message}");
                    }
                });
            }
            catch (OperationCanceledException)
            {
                log.WriteLine($"maintenance: stopped at the time limit with {completed} of {faults} completed");
            }
            var elapsed = Stopwatch.GetElapsedTime(begin);
            var end = Stopwatch.GetTimestamp();
            var cpu = pids.ToDictionary(p => p.Key, p => PassageBench.CpuOf(p.Value) - cpuBefore[p.Key]);

            var loadRate = "no passage load";
            if (load is not null)
            {
                loadRate = SystemRun.LoadRate(load, progress, begin, end);
                try
                {
                    cpu["simulator"] = load.Process.TotalProcessorTime;
                }
                catch (InvalidOperationException)
                {
                }
                await SystemRun.StopAsync(load);
            }
            return Report(backend, rate, loadRate, faults, concurrency, completed, elapsed, new(toOrder, toAnswered, toRequired, toCreatedAt, toClosed), failures, cpu);
        }
        finally
        {
            await SystemRun.CleanUpAsync(redis, dir);
        }
    }

    /// <summary>The latencies a run takes.</summary>
    private sealed record Samples(Sample ToOrder, Sample ToAnswered, Sample ToRequired, Sample ToCreatedAt, Sample ToClosed);

    /// <summary>
    /// One maintenance process: the fault, the work order (its <c>WorkOrderCreated</c> as the observer receives it), the
    /// technician's three steps, the closed request.
    /// </summary>
    private static async Task ProcessAsync(int i, (string Station, string Turnstile) device, Equipment.EquipmentClient equipment, Observer observer,
        Maintenance.MaintenanceClient maintenance, HttpClient http, Samples samples, CancellationToken ct)
    {
        var seen = observer.Expect(device.Turnstile);
        var sentAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        await equipment.ReportFaultAsync(new ReportFaultRequest { TurnstileId = device.Turnstile, Kind = FaultKind.Jammed, Reason = "bench: ticket stuck" }, cancellationToken: ct);
        samples.ToAnswered.Record(started, Stopwatch.GetTimestamp());

        var (order, receivedAt) = await seen.Created.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        samples.ToOrder.Record(started, receivedAt);
        // The order's creation time is the scheduling service's clock, the same machine's as the fault's.
        var createdAfter = order.CreatedAt.ToDateTimeOffset() - sentAt;
        samples.ToCreatedAt.Record(0, Math.Max(0, (long)(createdAfter.TotalSeconds * Stopwatch.Frequency)));

        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:assign", new { technicianId = Technicians[i % Technicians.Length] }, ct);
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:start", new { }, ct);
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:complete", new { notes = "bench: reader cleaned" }, ct);

        for (var attempt = 0; attempt < 240; attempt++)
        {
            var request = await maintenance.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = order.RequestId }, cancellationToken: ct);
            if (request.Status == MaintenanceRequestStatus.Closed)
            {
                samples.ToClosed.Record(started, Stopwatch.GetTimestamp());
                // Announced by the workflow's first activity after the work order was created, so it may come after it.
                if (seen.Required.Task.IsCompletedSuccessfully) samples.ToRequired.Record(started, seen.Required.Task.Result);
                return;
            }
            if (request.Status is not MaintenanceRequestStatus.Open) throw new InvalidOperationException($"request {order.RequestId} ended {request.Status}");
            await Task.Delay(250, ct);
        }
        throw new InvalidOperationException($"request {order.RequestId} not closed within 60 s");
    }

    /// <summary>
    /// A subscriber of the <c>scheduling</c> and <c>maintenance</c> topics served by the bench (HTTP, app-id
    /// <see cref="AppId"/>): it notes when each expected device's <c>MaintenanceRequired</c> and <c>WorkOrderCreated</c>
    /// arrive, and acknowledges every event.
    /// </summary>
    private sealed class Observer : IAsyncDisposable
    {
        public const string AppId = "bench-observer";

        private static readonly Google.Protobuf.JsonParser Parser = new(Google.Protobuf.JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Expected> _expected = new(StringComparer.Ordinal);
        private WebApplication? _app;

        public int Port { get; private init; }

        /// <summary>The events of one device the bench waits for (receipt times are Stopwatch timestamps).</summary>
        public sealed record Expected(TaskCompletionSource<(WorkOrderCreated Order, long At)> Created, TaskCompletionSource<long> Required);

        public static async Task<Observer> StartAsync()
        {
            var observer = new Observer { Port = Sidecar.FreePort() };
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(observer.Port, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
            var app = builder.Build();
            app.MapGet("/dapr/subscribe", () => Results.Text(
                """[{"pubsubname":"pubsub","topic":"scheduling","route":"/events"},{"pubsubname":"pubsub","topic":"maintenance","route":"/events"}]""", "application/json"));
            app.MapPost("/events", async (HttpContext c) =>
            {
                var at = Stopwatch.GetTimestamp();
                using var doc = await System.Text.Json.JsonDocument.ParseAsync(c.Request.Body);
                var type = doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (type == WorkOrderCreated.Descriptor.FullName)
                {
                    var created = Parser.Parse<WorkOrderCreated>(doc.RootElement.GetProperty("data").GetRawText());
                    if (observer._expected.TryGetValue(created.DeviceId, out var expected)) expected.Created.TrySetResult((created, at));
                }
                else if (type == MaintenanceRequired.Descriptor.FullName)
                {
                    var required = Parser.Parse<MaintenanceRequired>(doc.RootElement.GetProperty("data").GetRawText());
                    if (observer._expected.TryGetValue(required.DeviceId, out var expected)) expected.Required.TrySetResult(at);
                }
                return Results.Json(new { status = "SUCCESS" });
            });
            await app.StartAsync();
            observer._app = app;
            return observer;
        }

        /// <summary>Starts waiting for <paramref name="deviceId"/>'s events (before its fault is sent).</summary>
        public Expected Expect(string deviceId) => _expected.GetOrAdd(deviceId, _ => new(
            new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));

        public async ValueTask DisposeAsync()
        {
            if (_app is not null) await _app.DisposeAsync();
        }
    }

    private static async Task PostAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static string Report(string backend, int rate, string loadRate, int faults, int concurrency, int completed, TimeSpan elapsed, Samples samples, List<string> failures, Dictionary<string, TimeSpan> cpu)
    {
        var i = CultureInfo.InvariantCulture;
        var toOrder = samples.ToOrder;
        var sb = SystemRun.MeasureTable(string.Create(i, $"Maintenance under passage load ({(backend == "redis" ? "Redis" : "in-memory")} backend; the simulator at {rate:N0} passages/s, {faults} faults, {concurrency} technicians at once)"));
        sb.AppendLine(i, $"| passage load while the faults ran | {loadRate} |");
        sb.AppendLine(i, $"| maintenance processes completed (fault to closed request) | {completed:N0} of {faults:N0} |");
        sb.AppendLine(i, $"| failed | {failures.Count:N0} |");
        sb.AppendLine(i, $"| time from the first fault to the last closed request | {elapsed.TotalSeconds:0.0} s |");
        sb.AppendLine(i, $"| **maintenance processes completed per second** | **{completed / elapsed.TotalSeconds:0.00}** |");
        sb.AppendLine(i, $"| **fault to `WorkOrderCreated` received by a subscriber** p50 / p90 / p99 / max ({toOrder.Count} orders) | **{SystemRun.Percentiles(toOrder)}** |");
        sb.AppendLine(i, $"| on the way: `ReportFault` answered by equipment (through a sidecar) p50 / p90 / p99 / max | {SystemRun.Percentiles(samples.ToAnswered)} |");
        sb.AppendLine(i, $"| on the way: fault to `MaintenanceRequired` received (equipment, delivery to maintenance, intake, the workflow's first activity, after the order) p50 / p90 / p99 / max | {SystemRun.Percentiles(samples.ToRequired)} |");
        sb.AppendLine(i, $"| on the way: fault to the order's `created_at` (scheduling's clock) p50 / p90 / p99 / max | {SystemRun.Percentiles(samples.ToCreatedAt)} |");
        sb.AppendLine(i, $"| fault to request closed p50 / p99 (technician's steps included) | {samples.ToClosed.PercentileMs(50):0} / {samples.ToClosed.PercentileMs(99):0} ms |");
        sb.AppendLine(i, $"| target: fault to work order p99 under 1 s | {(toOrder.Count > 0 && toOrder.PercentileMs(99) < 1000 ? "met" : "not met")} |");
        sb.AppendLine();
        SystemRun.AppendFailures(sb, failures);
        SystemRun.AppendCpu(sb, "CPU seconds per process while the faults ran (the machine has 2 cores; the simulator's is over its whole run):", cpu);
        return sb.ToString();
    }
}
