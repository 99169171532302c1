using Mtaeda.Identification.Domain;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>Whether the in-memory index has been built from the store (captures are answered Unavailable until then).</summary>
public sealed class MatcherReadiness
{
    private volatile bool _ready;

    /// <summary>True once the index holds the stored watch list and enrolments.</summary>
    public bool IsReady => _ready;

    /// <summary>Marks the index built.</summary>
    public void Ready() => _ready = true;
}

/// <summary>
/// Builds the matcher from the store at start-up (every listed offender, every enrolled passenger), retrying while the
/// sidecar or the store is not there yet; watch-list events keep it current from then on.
/// </summary>
public sealed partial class MatcherLoader(WatchList watchList, MatcherReadiness readiness, ILogger<MatcherLoader> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var count = await watchList.LoadAllAsync(stoppingToken);
                readiness.Ready();
                LogLoaded(count);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRetry(e.InnerException?.Message ?? e.Message, wait);
                await Task.Delay(wait, stoppingToken);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch list and enrolments loaded: {Count} templates in the index")]
    private partial void LogLoaded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading the watch list failed ({Error}); retrying in {Wait}")]
    private partial void LogRetry(string error, TimeSpan wait);
}
