using Dapr.Client;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>At start, publishes the configuration events a crash or a failed publish left in the outbox (<see cref="ConfigurationStore"/>).</summary>
/// <param name="configurations">The store.</param>
/// <param name="dapr">The Dapr client (waits for the sidecar).</param>
/// <param name="logger">The logger.</param>
public sealed partial class ConfigurationOutbox(ConfigurationStore configurations, DaprClient dapr, ILogger<ConfigurationOutbox> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await dapr.WaitForSidecarAsync(stoppingToken);
            await configurations.PublishPendingAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is Dapr.DaprException or Grpc.Core.RpcException or HttpRequestException)
        {
            LogFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending configuration events could not be published at start; the next change publishes them: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
