using System.Threading.Channels;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// The deliveries waiting for <see cref="DeliveryWorker"/>: a bounded in-process queue. Each is in the delivery log
/// (PENDING) before it is queued, with its retry progress, so one lost with the process is sent after the restart,
/// going on from where it was (<see cref="DeliveryWorker"/>).
/// </summary>
/// <param name="options">The queue's capacity.</param>
public sealed class DeliveryQueue(NotificationsOptions options)
{
    private readonly Channel<StoredDelivery> _channel = Channel.CreateBounded<StoredDelivery>(
        new BoundedChannelOptions(Math.Max(1, options.Delivery.QueueCapacity)) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    /// <summary>Queues a delivery, waiting while the queue is full.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when it is queued.</returns>
    public ValueTask EnqueueAsync(StoredDelivery delivery, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(delivery, cancellationToken);

    /// <summary>The deliveries, as they are queued.</summary>
    /// <param name="cancellationToken">Ends the reading.</param>
    /// <returns>The deliveries.</returns>
    public IAsyncEnumerable<StoredDelivery> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);
}
