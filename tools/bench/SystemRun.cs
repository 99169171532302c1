using System.Text.RegularExpressions;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;

namespace Bench;

/// <summary>
/// The pieces the scenarios that run the whole system under the runner share (passage path, maintenance, fault to browser):
/// the turnstiles to fault, the passage load in the background, its rate while the measured phase ran, the CPU and failures
/// tables of the report, and the clean-up of a run's folder and Redis server.
/// </summary>
internal static partial class SystemRun
{
    private const int TurnstilesPerStation = 10;

    /// <summary>
    /// <paramref name="count"/> turnstiles to fault, ten per station, at stations of their own numbered from
    /// <paramref name="firstStation"/> (not the simulator's), so that each fault is its device's first and no simulated device
    /// is stopped by a fault; registered and installed through the sidecar.
    /// </summary>
    public static async Task<(string Station, string Turnstile)[]> InstallFaultTurnstilesAsync(Stations.StationsClient stations, Equipment.EquipmentClient equipment,
        int firstStation, int count)
    {
        var ids = Enumerable.Range(0, count)
            .Select(i => (Station: $"stn-{firstStation + i / TurnstilesPerStation:D3}", Turnstile: $"ts-{firstStation + i / TurnstilesPerStation:D3}-{i % TurnstilesPerStation + 1:D2}"))
            .ToArray();
        foreach (var station in ids.Select(i => i.Station).Distinct())
        {
            await stations.RegisterStationAsync(new RegisterStationRequest
            {
                StationId = station, Name = $"Bench {station}", LineIds = { "green" },
                Address = new StationAddress { StreetAddress = "1 Rail Road", City = "Metro", PostalCode = "00001" },
            });
        }
        foreach (var (station, turnstile) in ids)
        {
            await equipment.InstallTurnstileAsync(new InstallTurnstileRequest
            {
                TurnstileId = turnstile, StationId = station, LineIds = { "green" }, MaxPassagesBeforeMaintenance = 1_000_000,
                Model = new EquipmentInfo { SerialNumber = turnstile, Name = "Gate", ModelNumber = "G-100", Manufacturer = "Acme" },
            });
        }
        return ids;
    }

    /// <summary>
    /// The device simulator sending passages at <paramref name="rate"/> for <paramref name="seconds"/> in the background
    /// (provisioning its network), returned once it has sent for <paramref name="warmup"/> seconds (at most two minutes more
    /// to start); null when <paramref name="rate"/> is 0.
    /// </summary>
    public static async Task<PassageBench.Simulator?> StartPassageLoadAsync(string root, string configuration, (int App, int Http, int Grpc) ports, int devicePort, string dir,
        int rate, int warmup, int seconds, int stations, int turnstiles, List<(long Sent, long At)> progress, TextWriter log)
    {
        if (rate <= 0) return null;
        var load = PassageBench.StartSimulator(root, configuration, ports, devicePort, dir, rate, seconds, stations, turnstiles, 5, provision: true, progress, log);
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * (120 + warmup);
        while (!load.Process.HasExited && Stopwatch.GetTimestamp() < until && Stopwatch.GetElapsedTime(FirstProgress(progress) ?? Stopwatch.GetTimestamp()) < TimeSpan.FromSeconds(warmup))
            await Task.Delay(200);
        if (load.Process.HasExited) throw new InvalidOperationException("the simulator ended before the faults: " + string.Join(" | ", load.Lines.TakeLast(5)));
        return load;
    }

    /// <summary>Stops the passage load (its whole process tree) and waits for it.</summary>
    public static async Task StopAsync(PassageBench.Simulator load)
    {
        try
        {
            load.Process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        await load.Process.WaitForExitAsync();
    }

    private static long? FirstProgress(List<(long Sent, long At)> progress)
    {
        lock (progress) return progress.Count > 0 ? progress[0].At : null;
    }

    /// <summary>
    /// The passage rate the devices kept up between <paramref name="begin"/> and <paramref name="end"/>, from the simulator's
    /// progress lines, and how much of it the gateway forwarded to equipment meanwhile (the rest waits in its journal).
    /// </summary>
    public static string LoadRate(PassageBench.Simulator load, List<(long Sent, long At)> progress, long begin, long end)
    {
        List<(long Sent, long At)> during;
        lock (progress) during = [.. progress.Where(p => p.At >= begin && p.At <= end)];
        if (during.Count < 2) return "not measured (fewer than two progress lines while the faults ran)";
        var seconds = (double)(during[^1].At - during[0].At) / Stopwatch.Frequency;
        var rate = string.Create(CultureInfo.InvariantCulture, $"{(during[^1].Sent - during[0].Sent) / seconds:N0} passages/s sent by the devices");
        var forwardedAt = new Dictionary<long, long>();
        lock (load.Lines)
        {
            foreach (var line in load.Lines)
            {
                var m = ProgressForwarded().Match(line);
                if (m.Success) forwardedAt[long.Parse(m.Groups["sent"].Value, CultureInfo.InvariantCulture)] = long.Parse(m.Groups["forwarded"].Value, CultureInfo.InvariantCulture);
            }
        }
        return forwardedAt.TryGetValue(during[0].Sent, out var f0) && forwardedAt.TryGetValue(during[^1].Sent, out var f1)
            ? rate + string.Create(CultureInfo.InvariantCulture, $", {(f1 - f0) / seconds:N0} passages/s forwarded to equipment")
            : rate;
    }

    [GeneratedRegex(@"sent\s+(?<sent>\d+)\s+acked\s+\d+\s+forwarded\s+(?<forwarded>\d+)")]
    private static partial Regex ProgressForwarded();

    /// <summary>A report's section: <paramref name="heading"/>, then the head of its table of measures.</summary>
    public static StringBuilder MeasureTable(string heading) =>
        new StringBuilder().AppendLine("## " + heading).AppendLine().AppendLine("| measure | value |").AppendLine("|---|---:|");

    /// <summary>A latency's p50 / p90 / p99 / max, or "none" when nothing was measured.</summary>
    public static string Percentiles(Sample sample) => sample.Count == 0
        ? "none"
        : string.Create(CultureInfo.InvariantCulture, $"{sample.PercentileMs(50):0} / {sample.PercentileMs(90):0} / {sample.PercentileMs(99):0} / {sample.PercentileMs(100):0} ms");

    /// <summary>The first five failures as a list, when there are any.</summary>
    public static void AppendFailures(StringBuilder report, List<string> failures)
    {
        if (failures.Count == 0) return;
        report.AppendLine("Failures (first five):").AppendLine();
        foreach (var failure in failures.Take(5)) report.AppendLine(CultureInfo.InvariantCulture, $"- {failure}");
        report.AppendLine();
    }

    /// <summary>The CPU seconds of each process, most first, with each one's share of them all, under <paramref name="heading"/>.</summary>
    public static void AppendCpu(StringBuilder report, string heading, Dictionary<string, TimeSpan> cpu)
    {
        report.AppendLine(heading);
        report.AppendLine();
        report.AppendLine("| process | CPU s | share |");
        report.AppendLine("|---|---:|---:|");
        var total = cpu.Values.Sum(c => c.TotalSeconds);
        foreach (var (name, used) in cpu.OrderByDescending(c => c.Value))
            report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {used.TotalSeconds:0.0} | {(total > 0 ? used.TotalSeconds / total : 0):P0} |");
        report.AppendLine();
    }

    /// <summary>A run's end: its Redis server (if it had one) stopped, its folder removed.</summary>
    public static async Task CleanUpAsync(Process? redis, string dir)
    {
        if (redis is not null)
        {
            redis.Kill();
            await redis.WaitForExitAsync();
        }
        try
        {
            Directory.Delete(dir, true);
        }
        catch (IOException)
        {
        }
    }
}
