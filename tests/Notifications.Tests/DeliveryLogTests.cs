using System.Collections.Concurrent;
using Dapr.Client;
using Grpc.Net.Client;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;
using SaveStateRequest = Dapr.Client.Autogen.Grpc.v1.SaveStateRequest;
using DeliveryStatus = Mtaeda.Contracts.Notifications.V1.DeliveryStatus;
using StateConcurrency = Dapr.Client.Autogen.Grpc.v1.StateOptions.Types.StateConcurrency;

namespace Mtaeda.Notifications.Tests;

/// <summary>
/// The delivery log's writes as the sidecar receives them. A delivery is logged with first-write concurrency and no ETag;
/// Redis (components-contrib's store, and the local runtime's) marks such a key and refuses every later save of it that
/// carries no ETag, so the delivery's updates must carry the one they read.
/// </summary>
public sealed class DeliveryLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_delivery_is_logged_once_without_an_etag_and_every_update_of_it_carries_the_etag_it_read()
    {
        await using var runtime = LocalRuntime.Create();
        var node = await runtime.StartSidecarAsync("notifications", Ct);
        using var saves = new SaveStateRecorder();
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(node.GrpcEndpoint).UseHttpEndpoint(node.HttpEndpoint)
            .UseGrpcChannelOptions(new GrpcChannelOptions { HttpHandler = saves }).Build();
        var log = new DeliveryLog(dapr, new NotificationsOptions());
        var delivery = new Delivery { DeliveryId = "dlv-1", ConfigurationId = "cfg-1", Channel = ChannelKind.Email, Status = DeliveryStatus.Pending };
        var stored = new StoredDelivery(IntegrationEvents.ToJson(delivery), "subject", "body", IntegrationEvents.ToJson(new Alert { Id = "alr-1" }), "{}");

        Assert.True(await log.TryAddAsync(stored, Ct));
        Assert.False(await log.TryAddAsync(stored, Ct));
        delivery.Attempts = 1;
        await log.UpdateAsync(stored.With(delivery), Ct);
        delivery.Status = DeliveryStatus.Sent;
        await log.UpdateAsync(stored.With(delivery), Ct);

        var writes = saves.Of("delivery|dlv-1");
        Assert.Equal(3, writes.Count);
        Assert.Equal((StateConcurrency.ConcurrencyFirstWrite, ""), writes[0]);
        Assert.All(writes.Skip(1), w => Assert.NotEqual("", w.ETag));
        Assert.Equal((DeliveryStatus.Sent, 1), (await log.AllAsync(Ct)).Select(d => d.Read()).Select(d => (d.Status, d.Attempts)).Single());
    }

    /// <summary>Passes every call to the sidecar and records each SaveState item's key, concurrency and ETag.</summary>
    private sealed class SaveStateRecorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentQueue<(string Key, StateConcurrency Concurrency, string ETag)> _saves = new();

        public IReadOnlyList<(StateConcurrency Concurrency, string ETag)> Of(string key) => [.. _saves.Where(s => s.Key == key).Select(s => (s.Concurrency, s.ETag))];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == "/dapr.proto.runtime.v1.Dapr/SaveState" && request.Content is not null)
            {
                // One gRPC message: a compression flag, its length (4 bytes), then the message.
                var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                foreach (var item in SaveStateRequest.Parser.ParseFrom(body.AsSpan(5)).States)
                {
                    _saves.Enqueue((item.Key, item.Options?.Concurrency ?? StateConcurrency.ConcurrencyUnspecified, item.Etag?.Value ?? ""));
                }
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = request.Content.Headers.ContentType } };
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
