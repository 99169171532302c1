using System.Text.RegularExpressions;
using Dapr.Client;
using LocalDapr.Runner;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Testing;

namespace Bench;

/// <summary>
/// The whole passage path, device to ridership: the services under the runner on the in-memory or the Redis
/// backend, the device simulator sending at a target rate for a bounded time through the gateway. Reports the rate
/// reached, loss (ridership against what the simulator says was forwarded), device-to-ridership lag, and the CPU each
/// process used, which is where the time goes. Environment variables named <c>BENCHENV_X</c> reach every service as
/// <c>X</c> (for a profile, e.g. <c>BENCHENV_DOTNET_PerfMapEnabled=1</c> with <c>perf record</c>).
/// </summary>
public static partial class PassageBench
{
    private static readonly string[] Services = ["stations", "equipment", "gateway", "ridership", "simulator"];

    /// <summary>
    /// The shared resources and the backend's component set (docs/adr/0008-component-sets.md) in one folder of the run,
    /// and for the Redis set a Redis server of the run's own (append-only file fsynced every second), whose address the
    /// runner gets as <c>MTAEDA_REDIS_HOST</c> (the Redis set's envRef).
    /// </summary>
    internal static (string Components, string? RedisHost) Backend(string root, string backend, string dir, out Process? redis)
    {
        var components = Directory.CreateDirectory(Path.Combine(dir, "components")).FullName;
        foreach (var source in new[] { "common", backend == "redis" ? "redis" : "memory" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, "components", source), "*.yaml")) File.Copy(file, Path.Combine(components, Path.GetFileName(file)));
        }
        redis = null;
        if (backend != "redis") return (components, null);
        var port = Sidecar.FreePort();
        redis = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir])
        { RedirectStandardOutput = true, UseShellExecute = false })!;
        return (components, $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    public static async Task<string> RunAsync(string root, string configuration, string backend, int rate, int seconds, int warmup, int stations, int turnstiles, int lingerMs, TextWriter log)
    {
        var dir = Directory.CreateTempSubdirectory("bench-passages-").FullName;
        Process? redis = null;
        try
        {
            var (components, redisHost) = Backend(root, backend, dir, out redis);

            var ports = Services.ToDictionary(s => s, _ => (App: Sidecar.FreePort(), Http: Sidecar.FreePort(), Grpc: Sidecar.FreePort()));
            var devicePort = Sidecar.FreePort();
            var runFile = Path.Combine(dir, "dapr.yaml");
            await RunFile(root, configuration, dir, components, ports, devicePort).WriteAsync(runFile);
            // The sidecars' API token for this run, as a user sets DAPR_API_TOKEN to call them; the simulator gets it too.
            var apiToken = System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);
            Environment.SetEnvironmentVariable("DAPR_API_TOKEN", apiToken);
            await using var runner = RunnerProcess.Start(Path.Combine(AppContext.BaseDirectory, "local-dapr.dll"), ["run", "-f", runFile, "--app-startup-timeout", "180"],
                new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = apiToken, ["APP_API_TOKEN"] = null, ["MTAEDA_REDIS_HOST"] = redisHost });
            await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(240));
            log.WriteLine($"passage path on {backend}: system up; {rate}/s for {seconds} s over {stations}x{turnstiles} turnstiles");

            using var dapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{ports["simulator"].Grpc}").UseHttpEndpoint($"http://127.0.0.1:{ports["simulator"].Http}").UseDaprApiToken(apiToken).Build();
            var ridership = new Ridership.RidershipClient(DaprClient.CreateInvocationInvoker("ridership", $"http://127.0.0.1:{ports["simulator"].Grpc}", apiToken));
            async Task<long> Counted()
            {
                var totals = await ridership.GetNetworkTotalsAsync(new GetNetworkTotalsRequest());
                return totals.Ingress + totals.Egress;
            }
            // Warm-up: the same traffic for a while first (it also provisions the network), so the measured run sees
            // warm processes (code JIT-compiled to its final tier, pools and connections grown), as a running system is.
            if (warmup > 0)
            {
                log.WriteLine($"passage path on {backend}: warming up for {warmup} s");
                var warming = StartSimulator(root, configuration, ports["simulator"], devicePort, dir, rate, warmup, stations, turnstiles, lingerMs, provision: true, [], log);
                await warming.Process.WaitForExitAsync();
                using var warmedSummary = warming.Summary();
                var warmed = Number(warmedSummary, "ingress") + Number(warmedSummary, "egress");
                var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
                while (await Counted() < warmed && Stopwatch.GetTimestamp() < until) await Task.Delay(100);
            }
            var baseline = await Counted();

            var pids = Services.Where(s => s != "simulator").ToDictionary(s => s, s => runner.PidOf(s));
            pids["runtime (all sidecars)"] = runner.Id;
            var cpuBefore = pids.ToDictionary(p => p.Key, p => CpuOf(p.Value));

            // The simulator's progress lines say how many passages it had sent when; the lag of line k is how long
            // ridership took to reach that count.
            var progress = new List<(long Sent, long At)>();
            var counts = new List<(long Counted, long At)>();
            var simulator = StartSimulator(root, configuration, ports["simulator"], devicePort, dir, rate, seconds, stations, turnstiles, lingerMs, provision: warmup == 0, progress, log);
            var simulatorCpu = TimeSpan.Zero;
            var start = Stopwatch.GetTimestamp();
            while (!simulator.Process.HasExited)
            {
                counts.Add((await Counted() - baseline, Stopwatch.GetTimestamp()));
                if (counts.Count % 10 == 0) log.WriteLine($"  [bench] ridership has counted {counts[^1].Counted}");
                try
                {
                    simulatorCpu = simulator.Process.TotalProcessorTime;
                }
                catch (InvalidOperationException)
                {
                }
                await Task.Delay(100);
            }
            await simulator.Process.WaitForExitAsync();
            using var json = simulator.Summary();
            var summary = json.RootElement.GetRawText();
            long Field(string name) => Number(json, name);
            var forwarded = Field("ingress") + Field("egress");
            var sendSeconds = json.RootElement.TryGetProperty("seconds", out var s) ? s.GetDouble() : seconds;

            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
            long counted;
            while ((counted = await Counted() - baseline) < forwarded && Stopwatch.GetTimestamp() < deadline)
            {
                counts.Add((counted, Stopwatch.GetTimestamp()));
                await Task.Delay(100);
            }
            counts.Add((counted, Stopwatch.GetTimestamp()));
            var drained = Stopwatch.GetElapsedTime(start);
            var cpu = pids.ToDictionary(p => p.Key, p => CpuOf(p.Value) - cpuBefore[p.Key]);
            cpu["simulator"] = simulatorCpu;

            var lags = new Sample("device to ridership lag");
            foreach (var (sent, at) in progress)
            {
                var reached = counts.FirstOrDefault(c => c.Counted >= sent && c.At >= at);
                if (reached.At != 0) lags.Record(at, reached.At);
            }

            // The rate the devices kept up while sending, from the simulator's own progress lines (its summary's
            // "seconds" also covers the wait for the last acknowledgements).
            if (progress.Count >= 2)
            {
                var (firstSent, firstAt) = progress[0];
                var (lastSent, lastAt) = progress[^1];
                sendSeconds = (double)(lastAt - firstAt) / Stopwatch.Frequency * Field("passages") / Math.Max(1, lastSent - firstSent);
            }
            return Report(backend, rate, seconds, stations, turnstiles, Field("passages"), forwarded, counted, sendSeconds, drained, lags, cpu, summary);
        }
        finally
        {
            await SystemRun.CleanUpAsync(redis, dir);
        }
    }

    private static string Report(string backend, int rate, int seconds, int stations, int turnstiles, long sent, long forwarded, long counted, double sendSeconds,
        TimeSpan drained, Sample lags, Dictionary<string, TimeSpan> cpu, string summary)
    {
        var i = CultureInfo.InvariantCulture;
        var sb = SystemRun.MeasureTable(string.Create(i, $"Passage path on the {(backend == "redis" ? "Redis" : "in-memory")} backend (target {rate:N0} passages/s for {seconds} s, {stations} stations x {turnstiles} turnstiles)"));
        sb.AppendLine(i, $"| passages sent by the devices | {sent:N0} |");
        sb.AppendLine(i, $"| sustained device rate | {sent / sendSeconds:N0} /s |");
        sb.AppendLine(i, $"| forwarded to equipment (acknowledged, not rejected) | {forwarded:N0} |");
        sb.AppendLine(i, $"| counted by ridership | {counted:N0} |");
        sb.AppendLine(i, $"| lost (forwarded but not counted) | {forwarded - counted:N0} |");
        sb.AppendLine(i, $"| device-to-ridership lag p50 / p90 / p99 (from {lags.Count} progress samples) | {lags.PercentileMs(50):0} / {lags.PercentileMs(90):0} / {lags.PercentileMs(99):0} ms |");
        sb.AppendLine(i, $"| start of sending to everything counted | {drained.TotalSeconds:0.0} s |");
        sb.AppendLine();
        SystemRun.AppendCpu(sb, "Where the time goes (CPU seconds per process over the run; the machine has 2 cores):", cpu);
        sb.AppendLine(i, $"Simulator summary: `{summary.Trim()}`");
        sb.AppendLine();
        return sb.ToString();
    }

    internal sealed record Simulator(Process Process, List<string> Lines)
    {
        /// <summary>The simulator's accounting: its last line that is a JSON object (<c>{}</c> when there is none).</summary>
        public System.Text.Json.JsonDocument Summary()
        {
            string line;
            lock (Lines) line = Lines.LastOrDefault(l => l.TrimStart().StartsWith('{')) ?? "{}";
            return System.Text.Json.JsonDocument.Parse(line);
        }
    }

    // A whole number of the simulator's summary; 0 when it is missing.
    internal static long Number(System.Text.Json.JsonDocument summary, string name) =>
        summary.RootElement.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetInt64() : 0;

    internal static Simulator StartSimulator(string root, string configuration, (int App, int Http, int Grpc) ports, int devicePort, string dir, int rate, int seconds, int stations, int turnstiles, int lingerMs, bool provision, List<(long Sent, long At)> progress, TextWriter log)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(root, "tools", "simulator", "bin", configuration, "net10.0", "mtaeda-simulator.dll"));
        if (provision) info.ArgumentList.Add("--provision");
        foreach (var arg in new[] { "--gateway", $"https://localhost:{devicePort}", "--stations", stations.ToString(CultureInfo.InvariantCulture),
            "--turnstiles-per-station", turnstiles.ToString(CultureInfo.InvariantCulture), "--rate", rate.ToString(CultureInfo.InvariantCulture),
            "--duration", seconds.ToString(CultureInfo.InvariantCulture), "--seed", "11", "--drain-timeout", "180", "--linger-ms", lingerMs.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DAPR_HTTP_PORT"] = ports.Http.ToString(CultureInfo.InvariantCulture);
        info.Environment["DAPR_GRPC_PORT"] = ports.Grpc.ToString(CultureInfo.InvariantCulture);
        info.Environment["GATEWAY_CERTS_DIR"] = Path.Combine(dir, "certs");
        var lines = new List<string>();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            log.WriteLine($"  {e.Data}");
            var m = Progress().Match(e.Data);
            if (m.Success) lock (progress) progress.Add((long.Parse(m.Groups["sent"].Value, CultureInfo.InvariantCulture), Stopwatch.GetTimestamp()));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Simulator(process, lines);
    }

    /// <summary>The runner's file for the apps of <paramref name="ports"/> (in its order; the simulator has no app port).</summary>
    internal static RunFileBuilder RunFile(string root, string configuration, string dir, string components, Dictionary<string, (int App, int Http, int Grpc)> ports, int devicePort)
    {
        var file = new RunFileBuilder(root, configuration) { AppLogDestination = "file" }.Resources(components)
            .Env("ASPNETCORE_ENVIRONMENT", "Development")
            .Env("Logging__LogLevel__Default", "Warning");
        foreach (var (k, v) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Where(e => ((string)e.Key).StartsWith("BENCHENV_", StringComparison.Ordinal)))
            file.Env(((string)k)[9..], (string)v!);
        file.Env("GATEWAY_DEVICE_PORT", devicePort.ToString(CultureInfo.InvariantCulture))
            .Env("GATEWAY_CERTS_DIR", Path.Combine(dir, "certs"))
            .Env("GATEWAY_JOURNAL_DIR", Path.Combine(dir, "journal"));
        foreach (var (service, servicePorts) in ports) file.App(service, servicePorts);
        return file;
    }

    /// <summary>User plus system CPU of a process and its children that have been waited for, from /proc.</summary>
    internal static TimeSpan CpuOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    [GeneratedRegex(@"^\[\s*[\d.]+s\]\s+sent\s+(?<sent>\d+)")]
    private static partial Regex Progress();
}
