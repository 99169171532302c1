using Mtaeda.Gateway.Journal;

namespace Mtaeda.Gateway.Devices;

/// <summary>Cuts open batches once they have waited <c>Gateway:BatchMaxDelay</c>; on shutdown, cuts them all and waits for the journal.</summary>
internal sealed class BatchFlusher(DeviceRegistry registry, PassageJournal journal, GatewayOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(options.BatchMaxDelay.Ticks / 4, TimeSpan.FromMilliseconds(5).Ticks, TimeSpan.FromMilliseconds(50).Ticks));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) registry.FlushDue();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        registry.FlushAll();
        await journal.FlushAsync().WaitAsync(cancellationToken);
    }
}
