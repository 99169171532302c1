using Dapr.Client;
using LocalDapr.Runner;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Dashboard.Alerts;
using Mtaeda.Dashboard.Identity;
using Mtaeda.Dashboard.Tests.Browser;
using Mtaeda.Gateway.Devices;
using Mtaeda.Testing;

namespace Bench;

/// <summary>
/// A device's fault to its alert rendered in a supervisor's browser, measured by the browser, under passage load: the
/// services, notifications and the dashboard under the runner (in-memory backend), the device simulator sending passages
/// through the gateway at a target rate (its own faults off), and Debian's Chromium signed in to the dashboard as a
/// supervisor on the live alerts. Turnstiles of stations of their own each report a jam on the gateway's device stream,
/// as a turnstile does; the bench notes the send time (epoch milliseconds), and a <c>MutationObserver</c> in the page
/// notes <c>Date.now()</c> when the first alert element of that device is added to the page (both the same machine's
/// clock). Warm-up faults come first and are not measured.
/// </summary>
public static class FaultToBrowserBench
{
    private static readonly string[] Services = ["stations", "equipment", "gateway", "ridership", "scheduling", "maintenance", "notifications", "simulator"];

    /// <summary>
    /// Notes, in the page, when each device's first alert element appears: <c>window.mtaedaAlertSeen[deviceId]</c> =
    /// <c>Date.now()</c> in the observer's callback (a microtask right after the render batch changed the page).
    /// </summary>
    private const string ObserveAlerts = """
        () => {
          const seen = window.mtaedaAlertSeen = {};
          const note = (element, now) => {
            const device = element.getAttribute('data-device-id');
            if (device && !(device in seen)) seen[device] = now;
          };
          const scan = (node, now) => {
            if (node.nodeType !== Node.ELEMENT_NODE) return;
            if (node.matches('[data-testid=alert][data-device-id]')) note(node, now);
            node.querySelectorAll('[data-testid=alert][data-device-id]').forEach(e => note(e, now));
          };
          new MutationObserver(records => {
            const now = Date.now();
            for (const record of records) record.addedNodes.forEach(n => scan(n, now));
          }).observe(document.body, { childList: true, subtree: true });
        }
        """;

    /// <summary>One run at <paramref name="rate"/> passages per second (0: no passage load); the report's section.</summary>
    public static async Task<string> RunAsync(string root, string configuration, Options options, int rate, TextWriter log)
    {
        var dir = Directory.CreateTempSubdirectory("bench-browser-").FullName;
        try
        {
            var components = Directory.CreateDirectory(Path.Combine(dir, "components")).FullName;
            foreach (var source in new[] { "common", "memory" }) // the shared resources and the in-memory set
            {
                foreach (var file in Directory.GetFiles(Path.Combine(root, "components", source), "*.yaml")) File.Copy(file, Path.Combine(components, Path.GetFileName(file)));
            }
            var ports = Services.ToDictionary(s => s, _ => (App: Sidecar.FreePort(), Http: Sidecar.FreePort(), Grpc: Sidecar.FreePort()));
            var dashboard = (App: Sidecar.FreePort(), Http: Sidecar.FreePort(), Grpc: Sidecar.FreePort());
            var devicePort = Sidecar.FreePort();
            var hubPort = Sidecar.FreePort();
            var url = $"http://localhost:{dashboard.App}";
            var password = System.Security.Cryptography.RandomNumberGenerator.GetHexString(16, lowercase: true);
            // Every app trusts the dashboard's development issuer, as in a user's run (the hub's tokens, users' calls).
            Environment.SetEnvironmentVariable("BENCHENV_NOTIFICATIONS_HUB_PORT", hubPort.ToString(CultureInfo.InvariantCulture));
            Environment.SetEnvironmentVariable("BENCHENV_Hub__Authority", url);
            Environment.SetEnvironmentVariable("BENCHENV_Hub__RequireHttpsMetadata", "false");
            // The development issuer's key for this run (DevelopmentIssuer:KeyFile), so that the bench's own hub connection has a token the hub takes.
            var keyFile = Path.Combine(dir, "issuer.pem");
            using (var key = System.Security.Cryptography.RSA.Create(2048)) await File.WriteAllTextAsync(keyFile, key.ExportRSAPrivateKeyPem());
            var runFile = Path.Combine(dir, "dapr.yaml");
            await PassageBench.RunFile(root, configuration, dir, components, ports, devicePort)
                .App("dashboard", dashboard, env: new Dictionary<string, string>
                {
                    ["DASHBOARD_DEV_PASSWORD"] = password,
                    ["DevelopmentIssuer__Issuer"] = url,
                    ["DevelopmentIssuer__KeyFile"] = keyFile,
                    ["Hub__Url"] = $"http://localhost:{hubPort}/hubs/operations",
                })
                .WriteAsync(runFile);
            var apiToken = System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);
            Environment.SetEnvironmentVariable("DAPR_API_TOKEN", apiToken);
            await using var runner = RunnerProcess.Start(Path.Combine(AppContext.BaseDirectory, "local-dapr.dll"), ["run", "-f", runFile, "--app-startup-timeout", "180"],
                new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = apiToken, ["APP_API_TOKEN"] = null });
            await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(240));
            log.WriteLine("fault-to-browser: system up");

            var sidecar = $"http://127.0.0.1:{ports["simulator"].Grpc}";
            var stationsApi = new Stations.StationsClient(DaprClient.CreateInvocationInvoker("stations", sidecar, apiToken));
            var equipment = new Equipment.EquipmentClient(DaprClient.CreateInvocationInvoker("equipment", sidecar, apiToken));
            // The faulted turnstiles, one per fault, each fault its device's first alert; the warm-up's come last.
            var ids = await SystemRun.InstallFaultTurnstilesAsync(stationsApi, equipment, 800, options.Faults + options.WarmUpFaults);
            log.WriteLine($"fault-to-browser: {ids.Length} turnstiles installed for faults");

            // The supervisor's browser on the live alerts, connected to the hub, with the observer in the page.
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await DashboardBrowser.LaunchChromiumAsync(playwright);
            var page = await DashboardBrowser.SignInAsync(browser, url, "supervisor", password);
            await DashboardBrowser.OpenAsync(page, url, "/alerts");
            await page.Locator("[data-testid=hub-state]", new() { HasTextString = "live" }).WaitForAsync(new() { Timeout = 60_000 });
            if (options.NoAnimations) await page.AddStyleTagAsync(new() { Content = "*, *::before, *::after { animation: none !important; transition: none !important; }" });
            await page.EvaluateAsync(ObserveAlerts);
            log.WriteLine("fault-to-browser: the supervisor's browser shows the live alerts");
            using var issuer = new DevelopmentIssuer(url, TimeProvider.System, await File.ReadAllTextAsync(keyFile));
            await using var pushes = await HubClock.ConnectAsync($"http://localhost:{hubPort}/hubs/operations", issuer.Issue(new DashboardUser("sup-bench", "Bench Supervisor", Roles.Supervisor, ["*"])));

            // The passage load, for longer than the faults can take; stopped once they are done.
            var progress = new List<(long Sent, long At)>();
            var loadSeconds = options.LoadWarmup + options.MaxSeconds + 120;
            var load = await SystemRun.StartPassageLoadAsync(root, configuration, ports["simulator"], devicePort, dir, rate, options.LoadWarmup, loadSeconds, options.Stations,
                options.TurnstilesPerStation, progress, log);

            using var certificates = DevCertificates.Ensure(Path.Combine(dir, "certs"));
            var devices = new Uri($"https://localhost:{devicePort}");
            await using var seen = new BrowserClock(page);

            log.WriteLine($"fault-to-browser: {options.WarmUpFaults} warm-up faults");
            var warm = new Samples(new("warm-up"), new("warm-up"), new("warm-up"), new("warm-up"));
            var warmFailures = new List<string>();
            await FaultsAsync(ids[options.Faults..], options.IntervalMs, TimeSpan.FromSeconds(options.MaxSeconds), certificates.Ca, devices, seen, pushes, warm, warmFailures);

            var pids = Services.Where(s => s != "simulator").ToDictionary(s => s, s => runner.PidOf(s));
            pids["dashboard"] = runner.PidOf("dashboard");
            pids["runtime (all sidecars)"] = runner.Id;
            var cpuBefore = pids.ToDictionary(p => p.Key, p => PassageBench.CpuOf(p.Value));
            var browserBefore = BrowserCpu();
            var benchBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var loadBefore = LoadAverage();

            log.WriteLine($"fault-to-browser: {options.Faults} faults, one every {options.IntervalMs} ms, at most {options.MaxSeconds} s");
            var samples = new Samples(new("fault to alert in the browser"), new("fault to the device told LOCKED"), new("fault to the hub's push received"), new("hub's push to alert in the browser"));
            var failures = new List<string>();
            var begin = Stopwatch.GetTimestamp();
            await FaultsAsync(ids[..options.Faults], options.IntervalMs, TimeSpan.FromSeconds(options.MaxSeconds), certificates.Ca, devices, seen, pushes, samples, failures);
            var end = Stopwatch.GetTimestamp();
            var loadAfter = LoadAverage();
            var cpu = pids.ToDictionary(p => p.Key, p => PassageBench.CpuOf(p.Value) - cpuBefore[p.Key]);
            cpu["Chromium (all its processes)"] = BrowserCpu() - browserBefore;
            cpu["bench (devices, Playwright's client)"] = Process.GetCurrentProcess().TotalProcessorTime - benchBefore;

            var loadRate = "no passage load";
            if (load is not null)
            {
                loadRate = SystemRun.LoadRate(load, progress, begin, end);
                await SystemRun.StopAsync(load);
            }
            return Report(rate, options, loadRate, loadBefore, loadAfter, Stopwatch.GetElapsedTime(begin, end), samples, failures, warmFailures.Count, cpu);
        }
        finally
        {
            await SystemRun.CleanUpAsync(null, dir);
        }
    }

    /// <summary>What a run is asked to do.</summary>
    /// <param name="NoAnimations">A diagnosis: the page's CSS animations and transitions turned off (the fresh alerts' cue among them), to see the browser's share without them.</param>
    public sealed record Options(int LoadWarmup, int Faults, int WarmUpFaults, int IntervalMs, int MaxSeconds, int Stations, int TurnstilesPerStation, bool NoAnimations);

    /// <summary>The latencies a run takes.</summary>
    private sealed record Samples(Sample ToBrowser, Sample ToLocked, Sample ToPushed, Sample PushedToBrowser);

    /// <summary>
    /// The faults of <paramref name="ids"/>, one every <paramref name="intervalMs"/> (open loop: a slow one does not delay the
    /// next), each on a device connected just before it (the connection is not timed), within <paramref name="limit"/>.
    /// </summary>
    private static async Task FaultsAsync((string Station, string Turnstile)[] ids, int intervalMs, TimeSpan limit, System.Security.Cryptography.X509Certificates.X509Certificate2 ca,
        Uri gateway, BrowserClock seen, HubClock pushes, Samples samples, List<string> failures)
    {
        using var stop = new CancellationTokenSource(limit);
        var start = Stopwatch.GetTimestamp();
        var running = new List<Task>(ids.Length);
        for (var i = 0; i < ids.Length && !stop.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromMilliseconds((double)i * intervalMs) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero) await Task.Delay(due, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            var (station, turnstile) = ids[i];
            running.Add(Task.Run(async () =>
            {
                try
                {
                    await FaultAsync(station, turnstile, ca, gateway, seen, pushes, samples, stop.Token);
                }
                catch (Exception e)
                {
                    lock (failures) failures.Add($"{turnstile}: {e.GetType().Name}: {e.Message}");
                }
            }));
        }
        await Task.WhenAll(running);
    }

    /// <summary>One device's jam: sent on its stream, then the browser's time for its first alert.</summary>
    private static async Task FaultAsync(string station, string turnstile, System.Security.Cryptography.X509Certificates.X509Certificate2 ca, Uri gateway, BrowserClock seen,
        HubClock pushes, Samples samples, CancellationToken ct)
    {
        using var certificate = DevCertificates.IssueDeviceCertificate(ca, turnstile, station);
        await using var device = await TestDevice.ConnectAsync(gateway, turnstile, certificate, ca, ct);
        var shown = seen.Expect(turnstile);
        var pushed = pushes.Expect(turnstile);
        var sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var started = Stopwatch.GetTimestamp();
        await device.SendAsync(device.Fault(FaultKind.Jammed, "bench: ticket stuck"));
        var locked = device.WaitForAsync(d => d.StatusChanges.Any(c => c.Status == TurnstileStatus.Locked), "the device to be told it is LOCKED", TimeSpan.FromSeconds(30))
            .ContinueWith(t => t.IsCompletedSuccessfully ? Stopwatch.GetTimestamp() : (long?)null, TaskScheduler.Default);
        var shownAt = await shown.WaitAsync(TimeSpan.FromSeconds(30), ct);
        samples.ToBrowser.Record(0, Math.Max(0, (shownAt - sentAt) * Stopwatch.Frequency / 1000));
        if (await locked is { } lockedAt) samples.ToLocked.Record(started, lockedAt);
        if (pushed.IsCompletedSuccessfully)
        {
            samples.ToPushed.Record(0, Math.Max(0, (pushed.Result - sentAt) * Stopwatch.Frequency / 1000));
            samples.PushedToBrowser.Record(0, Math.Max(0, (shownAt - pushed.Result) * Stopwatch.Frequency / 1000));
        }
    }

    /// <summary>
    /// The page's notes of when each device's first alert appeared (<see cref="ObserveAlerts"/>), read every 100 ms by one
    /// reader (the times are the browser's own, so reading later changes nothing but the wait).
    /// </summary>
    private sealed class BrowserClock : IAsyncDisposable
    {
        private readonly IPage _page;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reader;

        public BrowserClock(IPage page)
        {
            _page = page;
            _reader = Task.Run(ReadAsync);
        }

        /// <summary>The epoch milliseconds, by the browser's clock, at which <paramref name="deviceId"/>'s first alert appeared.</summary>
        public Task<long> Expect(string deviceId) => _expected.GetOrAdd(deviceId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        private async Task ReadAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                if (_expected.Values.Any(t => !t.Task.IsCompleted))
                {
                    try
                    {
                        var notes = await _page.EvaluateAsync<Dictionary<string, long>>("() => window.mtaedaAlertSeen ?? {}");
                        foreach (var (device, at) in notes)
                        {
                            if (_expected.TryGetValue(device, out var expected)) expected.TrySetResult(at);
                        }
                    }
                    catch (PlaywrightException)
                    {
                        // The page is busy (navigating, its circuit reconnecting): read again next time; the waits are bounded.
                    }
                }
                await Task.Delay(100, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reader;
            _stop.Dispose();
        }
    }

    /// <summary>
    /// The bench's own connection to the notifications hub, as a second supervisor, received as the dashboard receives its
    /// pushes (<see cref="AlertMessage"/>): when each device's first alert reached a client of the hub (epoch milliseconds).
    /// </summary>
    private sealed class HubClock : IAsyncDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new(StringComparer.Ordinal);
        private HubConnection? _hub;

        public static async Task<HubClock> ConnectAsync(string url, string token)
        {
            var clock = new HubClock();
            clock._hub = new HubConnectionBuilder().WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token)).Build();
            clock._hub.On<AlertMessage>("alert", alert =>
            {
                var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                clock._expected.GetOrAdd(alert.DeviceId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(at);
            });
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await clock._hub.StartAsync(limit.Token);
            return clock;
        }

        /// <summary>When <paramref name="deviceId"/>'s first alert was pushed to this connection.</summary>
        public Task<long> Expect(string deviceId) => _expected.GetOrAdd(deviceId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public async ValueTask DisposeAsync()
        {
            if (_hub is not null) await _hub.DisposeAsync();
        }
    }

    /// <summary>The machine's load average over 1, 5 and 15 minutes (/proc/loadavg).</summary>
    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>The CPU of every Chromium process under this one (Playwright's driver starts them).</summary>
    private static TimeSpan BrowserCpu() => ProcessTree.Descendants(Environment.ProcessId)
        .Where(pid => ProcessTree.CommandLine(pid).Contains("chromium", StringComparison.Ordinal))
        .Aggregate(TimeSpan.Zero, (sum, pid) => sum + PassageBench.CpuOf(pid));

    private static string Report(int rate, Options options, string loadRate, string loadBefore, string loadAfter, TimeSpan elapsed, Samples samples, List<string> failures, int warmFailures,
        Dictionary<string, TimeSpan> cpu)
    {
        var i = CultureInfo.InvariantCulture;
        var toBrowser = samples.ToBrowser;
        var sb = SystemRun.MeasureTable(string.Create(i, $"{(rate > 0 ? $"Under passage load: the simulator at {rate:N0} passages/s" : "Without passage load")} ({options.Faults} faults, one every {options.IntervalMs} ms{(options.NoAnimations ? "; diagnosis: the page's animations off" : "")})"));
        sb.AppendLine(i, $"| passage load while the faults ran | {loadRate} |");
        sb.AppendLine(i, $"| load average (1, 5, 15 min) when the faults began / ended | {loadBefore} / {loadAfter} |");
        sb.AppendLine(i, $"| faults whose alert the browser showed | {toBrowser.Count:N0} of {options.Faults:N0} (after {options.WarmUpFaults} warm-up faults, {warmFailures} of them failed) |");
        sb.AppendLine(i, $"| failed (no alert within 30 s, or the device not connected) | {failures.Count:N0} |");
        sb.AppendLine(i, $"| time from the first fault to the last alert | {elapsed.TotalSeconds:0.0} s |");
        sb.AppendLine(i, $"| **fault sent to alert rendered in the browser** p50 / p90 / p99 / max | **{SystemRun.Percentiles(toBrowser)}** |");
        sb.AppendLine(i, $"| on the way: fault sent to the device told LOCKED (journaled by the gateway, forwarded to equipment, recorded by the turnstile's actor, answered) p50 / p90 / p99 / max | {SystemRun.Percentiles(samples.ToLocked)} |");
        sb.AppendLine(i, $"| on the way: fault sent to the hub's `alert` push received by a SignalR client beside the dashboard (the bench's own, as a second supervisor) p50 / p90 / p99 / max | {SystemRun.Percentiles(samples.ToPushed)} |");
        sb.AppendLine(i, $"| on the way: the hub's push (to the bench's client) to the alert in the browser, per fault (the dashboard's hub client and page, the circuit's WebSocket, Chromium) p50 / p90 / p99 / max | {SystemRun.Percentiles(samples.PushedToBrowser)} |");
        sb.AppendLine(i, $"| target: p99 under 1 s | {(toBrowser.Count > 0 && failures.Count == 0 && toBrowser.PercentileMs(99) < 1000 ? "**met**" : "**not met**")} |");
        sb.AppendLine();
        SystemRun.AppendFailures(sb, failures);
        SystemRun.AppendCpu(sb, "CPU seconds per process while the measured faults ran (the machine has 2 cores):", cpu);
        return sb.ToString();
    }
}
