using Dapr.Client;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting;
using Mtaeda.Contracts.Notifications.V1;
using Polly;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// Sends the queued deliveries, each on its own task (at most <see cref="DeliveryOptions.MaxConcurrentDeliveries"/> at
/// once) through <see cref="DeliveryRetry"/>, so a slow or failing target holds its own delivery and never the others.
/// After every failed attempt the log keeps the attempts made, the error and when the next attempt is due; the outcome
/// (SENT, or FAILED with the last error) and the attempts are written there at the end. At start it queues again the
/// deliveries the log holds as PENDING (queued, or between two attempts, when the process stopped), and each goes on
/// where it was: its remaining attempts, the first of them when it is due.
/// </summary>
/// <param name="queue">The queue.</param>
/// <param name="log">The delivery log.</param>
/// <param name="channels">Sends one attempt.</param>
/// <param name="dapr">The Dapr client (waits for the sidecar before reading the log).</param>
/// <param name="options">Retries and concurrency.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">The logger.</param>
public sealed partial class DeliveryWorker(
    DeliveryQueue queue, DeliveryLog log, DeliveryChannels channels, DaprClient dapr, NotificationsOptions options, TimeProvider time, ILogger<DeliveryWorker> logger)
    : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = new SemaphoreSlim(Math.Max(1, options.Delivery.MaxConcurrentDeliveries));
        var running = new HashSet<Task>();
        _ = RequeuePendingAsync(stoppingToken);
        try
        {
            await foreach (var delivery in queue.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                var task = Task.Run(async () =>
                {
                    try
                    {
                        await DeliverAsync(delivery, stoppingToken);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None);
                lock (running) running.Add(task);
                _ = task.ContinueWith(t => { lock (running) running.Remove(t); }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: deliveries in flight end with the token; those not sent stay PENDING in the log.
        }
        Task[] left;
        lock (running) left = [.. running];
        await Task.WhenAll(left).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Sends one delivery with its retries and records the outcome.</summary>
    /// <param name="stored">The delivery.</param>
    /// <param name="cancellationToken">Stops the delivery (the process is stopping).</param>
    /// <returns>A task.</returns>
    internal async Task DeliverAsync(StoredDelivery stored, CancellationToken cancellationToken)
    {
        var delivery = stored.Read();
        // A delivery a stopped process was retrying goes on from where it was: its attempts count, and its next one waits
        // until it is due (both kept in the log after every failed attempt).
        var made = delivery.Attempts;
        var attempts = 0;
        var pipeline = DeliveryRetry.Build(options.Delivery, time, made, async (attempt, wait, error) =>
        {
            LogRetry(logger, delivery.DeliveryId, delivery.Channel, made + attempt + 1, wait, error?.Message ?? "no answer");
            delivery.Attempts = made + attempts;
            delivery.LastError = error is null ? "no answer" : Describe(error);
            delivery.NextAttemptAt = Timestamp.FromDateTimeOffset(time.GetUtcNow() + wait);
            await RecordAsync(stored.With(delivery), delivery);
        });
        try
        {
            if (made >= options.Delivery.MaxAttempts) throw new PermanentDeliveryException(delivery.LastError.Length > 0 ? delivery.LastError : "no attempt left");
            if (delivery.NextAttemptAt?.ToDateTimeOffset() - time.GetUtcNow() is { Ticks: > 0 } due) await Task.Delay(due, time, cancellationToken);
            await pipeline.ExecuteAsync(async token =>
            {
                Interlocked.Increment(ref attempts);
                await channels.SendAsync(stored, token);
            }, cancellationToken);
            delivery.Status = DeliveryStatus.Sent;
            delivery.LastError = "";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // Stays PENDING, with its attempts and the next one's due time: sent after the restart.
        }
        catch (Exception e)
        {
            delivery.Status = DeliveryStatus.Failed;
            delivery.LastError = Describe(e);
            LogFailed(logger, delivery.DeliveryId, delivery.Channel, made + attempts, delivery.LastError);
        }
        delivery.Attempts = made + attempts;
        delivery.NextAttemptAt = null;
        delivery.CompletedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        await RecordAsync(stored.With(delivery), delivery);
    }

    private async Task RecordAsync(StoredDelivery stored, Delivery delivery)
    {
        try
        {
            await log.UpdateAsync(stored, CancellationToken.None);
        }
        catch (Exception e) when (e is Dapr.DaprException or Grpc.Core.RpcException or HttpRequestException)
        {
            LogNotRecorded(logger, delivery.DeliveryId, delivery.Status, e.Message);
        }
    }

    private string Describe(Exception e) => e is Polly.Timeout.TimeoutRejectedException
        ? $"no answer within {options.Delivery.AttemptTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s"
        : e.Message;

    private async Task RequeuePendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Only those logged before this process started: a delivery logged since was queued by its handler.
            var started = time.GetUtcNow();
            await dapr.WaitForSidecarAsync(cancellationToken);
            foreach (var pending in (await log.AllAsync(cancellationToken)).Where(d => d.Read() is { Status: DeliveryStatus.Pending } r && r.CreatedAt.ToDateTimeOffset() < started))
            {
                await queue.EnqueueAsync(pending, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is Dapr.DaprException or Grpc.Core.RpcException or HttpRequestException)
        {
            LogRequeueFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} ({Channel}): attempt {Attempt} failed ({Reason}); retrying in {Wait}")]
    private static partial void LogRetry(ILogger logger, string deliveryId, ChannelKind channel, int attempt, TimeSpan wait, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} ({Channel}) failed after {Attempts} attempts: {Reason}")]
    private static partial void LogFailed(ILogger logger, string deliveryId, ChannelKind channel, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} ended {Status} but the log could not record it: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string deliveryId, DeliveryStatus status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The pending deliveries could not be read from the log; they are sent after the next restart: {Reason}")]
    private static partial void LogRequeueFailed(ILogger logger, string reason);
}
