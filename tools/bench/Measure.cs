using HdrHistogram;

namespace Bench;

/// <summary>A latency distribution in microseconds, with the CPU the process spent while it was taken.</summary>
public sealed class Sample(string name)
{
    private readonly LongHistogram _histogram = new(TimeStamp.Seconds(60), 3);
    private readonly Lock _lock = new();

    public string Name { get; } = name;

    public long Count => _histogram.TotalCount;

    public TimeSpan Elapsed { get; set; }

    public TimeSpan Cpu { get; set; }

    public void Absorb(Sample other)
    {
        lock (_lock) _histogram.Add(other._histogram);
    }

    public void Record(long startTimestamp, long endTimestamp)
    {
        lock (_lock) _histogram.RecordValue(Math.Clamp(endTimestamp - startTimestamp, 0, _histogram.HighestTrackableValue));
    }

    public double PercentileMs(double p) => Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(p) * 1000.0 / Stopwatch.Frequency;

    public double PerSecond => Count / Elapsed.TotalSeconds;

    public double CpuMsPer1000 => Count == 0 ? double.NaN : Cpu.TotalMilliseconds / Count * 1000;

    public string Row(Sample? baseline) => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Count:N0} | {PerSecond:N0} | {PercentileMs(50):0.000} | {PercentileMs(90):0.000} | {PercentileMs(99):0.000} | {CpuMsPer1000:0.0} | {Ratio(baseline)} |");

    private string Ratio(Sample? baseline) => baseline is null || baseline == this
        ? "baseline"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {PercentileMs(50) / baseline.PercentileMs(50):0.00}x (+{PercentileMs(50) - baseline.PercentileMs(50):0.000} ms), p99 +{PercentileMs(99) - baseline.PercentileMs(99):0.000} ms");
}

public static class Load
{
    /// <summary>
    /// Starts <paramref name="total"/> calls at <paramref name="rate"/> per second (open loop: a slow call does not delay the next),
    /// at most <paramref name="maxInFlight"/> at a time, each timed from its start. Bounded by count and by <paramref name="limit"/>.
    /// </summary>
    public static async Task<Sample> PacedAsync(string name, int rate, int total, int maxInFlight, TimeSpan limit, Func<int, Task> call, Sample? into = null)
    {
        var sample = into ?? new Sample(name);
        using var stop = new CancellationTokenSource(limit);
        using var slots = new SemaphoreSlim(maxInFlight);
        var running = new List<Task>(total);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total && !stop.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero) await Task.Delay(due, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            await slots.WaitAsync(stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            var n = i;
            running.Add(Task.Run(async () =>
            {
                try
                {
                    var begin = Stopwatch.GetTimestamp();
                    await call(n);
                    if (into is null) sample.Record(begin, Stopwatch.GetTimestamp());
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        await Task.WhenAll(running);
        sample.Elapsed = Stopwatch.GetElapsedTime(start);
        sample.Cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return sample;
    }
}
