using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocalDapr.PubSub;
using LocalDapr.State;
using static Dapr.Client.Autogen.Grpc.v1.StateOptions.Types;

namespace LocalDapr.Sidecar;

/// <summary>
/// <c>dapr.proto.runtime.v1.Dapr</c>, bound by hand over the message types of <c>Dapr.Protos</c> (which ships no server base).
/// Methods the local runtime does not implement answer <c>Unimplemented</c>, which the SDK's version-aware calls expect.
/// </summary>
[BindServiceMethod(typeof(DaprGrpcApi), nameof(BindService))]
public class DaprGrpcApi(SidecarRuntime sidecar)
{
    private const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, ServiceName, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>() where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }

    public static void BindService(ServiceBinderBase binder, DaprGrpcApi? api)
    {
        binder.AddMethod(Unary<PublishEventRequest, Empty>("PublishEvent"), api is null ? null! : api.PublishEvent);
        binder.AddMethod(Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEvent"), api is null ? null! : api.BulkPublishEvent);
        binder.AddMethod(Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEventAlpha1"), api is null ? null! : api.BulkPublishEventAlpha1);
        binder.AddMethod(Unary<GetStateRequest, GetStateResponse>("GetState"), api is null ? null! : api.GetState);
        binder.AddMethod(Unary<GetBulkStateRequest, GetBulkStateResponse>("GetBulkState"), api is null ? null! : api.GetBulkState);
        binder.AddMethod(Unary<SaveStateRequest, Empty>("SaveState"), api is null ? null! : api.SaveState);
        binder.AddMethod(Unary<DeleteStateRequest, Empty>("DeleteState"), api is null ? null! : api.DeleteState);
        binder.AddMethod(Unary<DeleteBulkStateRequest, Empty>("DeleteBulkState"), api is null ? null! : api.DeleteBulkState);
        binder.AddMethod(Unary<ExecuteStateTransactionRequest, Empty>("ExecuteStateTransaction"), api is null ? null! : api.ExecuteStateTransaction);
        binder.AddMethod(Unary<GetMetadataRequest, GetMetadataResponse>("GetMetadata"), api is null ? null! : api.GetMetadata);
    }

    public virtual Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context) => Call(async () =>
    {
        await sidecar.PublishAsync(new PublishRequest(request.PubsubName, request.Topic, request.Data.Memory, request.DataContentType, request.Metadata),
            Trace(context), context.CancellationToken);
        return new Empty();
    });

    public virtual Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context) => Call(async () =>
    {
        var entries = request.Entries.Select(e =>
        {
            var metadata = new Dictionary<string, string>(request.Metadata);
            foreach (var (k, v) in e.Metadata) metadata[k] = v;
            return (e.EntryId, new PublishRequest(request.PubsubName, request.Topic, e.Event.Memory, e.ContentType, metadata));
        }).ToList();
        var failed = await sidecar.BulkPublishAsync(request.PubsubName, request.Topic, entries, Trace(context), context.CancellationToken);
        var response = new BulkPublishResponse();
        response.FailedEntries.AddRange(failed.Select(f => new BulkPublishResponseFailedEntry { EntryId = f.EntryId, Error = f.Error }));
        return response;
    });

    public virtual Task<BulkPublishResponse> BulkPublishEventAlpha1(BulkPublishRequest request, ServerCallContext context) => BulkPublishEvent(request, context);

    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context) => Call(async () =>
    {
        var entry = await sidecar.GetStateAsync(request.StoreName, request.Key, context.CancellationToken);
        var response = new GetStateResponse();
        if (entry is null) return response;
        response.Data = ByteString.CopyFrom(entry.Value);
        response.Etag = entry.ETag;
        if (entry.ExpiresAt is { } at) response.Metadata["ttlExpireTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return response;
    });

    public virtual Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context) => Call(async () =>
    {
        var response = new GetBulkStateResponse();
        var read = await sidecar.GetBulkStateAsync(request.StoreName, request.Keys, context.CancellationToken);
        for (var i = 0; i < read.Length; i++)
        {
            var item = new BulkStateItem { Key = request.Keys[i] };
            if (read[i].Entry is { } entry)
            {
                item.Data = ByteString.CopyFrom(entry.Value);
                item.Etag = entry.ETag;
            }
            else if (read[i].Error is { } error)
            {
                item.Error = error.Message;
            }
            response.Items.Add(item);
        }
        return response;
    });

    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context) => Call(async () =>
    {
        await sidecar.WriteStateAsync(request.StoreName, request.States.Select(s => Write(s, delete: false)).ToList(), isDelete: false, context.CancellationToken);
        return new Empty();
    });

    public virtual Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context) => Call(async () =>
    {
        var write = new StateWrite(request.Key, null, request.Etag?.Value, ConcurrencyOf(request.Options), null);
        await sidecar.WriteStateAsync(request.StoreName, [write], isDelete: true, context.CancellationToken);
        return new Empty();
    });

    public virtual Task<Empty> DeleteBulkState(DeleteBulkStateRequest request, ServerCallContext context) => Call(async () =>
    {
        await sidecar.WriteStateAsync(request.StoreName, request.States.Select(s => Write(s, delete: true)).ToList(), isDelete: true, context.CancellationToken);
        return new Empty();
    });

    public virtual Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context) => Call(async () =>
    {
        var writes = new List<StateWrite>();
        foreach (var operation in request.Operations)
        {
            var delete = operation.OperationType switch
            {
                "upsert" => false,
                "delete" => true,
                _ => throw DaprErrors.Malformed($"operation type {operation.OperationType} not supported"),
            };
            writes.Add(Write(operation.Request ?? new StateItem(), delete));
        }
        await sidecar.TransactAsync(request.StoreName, writes, context.CancellationToken);
        return new Empty();
    });

    public virtual Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(SidecarMetadata.ToGrpc(sidecar));

    internal static StateWrite Write(StateItem item, bool delete)
    {
        return new StateWrite(item.Key, delete ? null : item.Value.ToByteArray(), item.Etag?.Value, ConcurrencyOf(item.Options), null)
        {
            TtlText = item.Metadata.TryGetValue(TtlMetadata.Key, out var ttl) ? ttl : null,
        };
    }

    private static Concurrency ConcurrencyOf(StateOptions? options) =>
        options?.Concurrency == StateConcurrency.ConcurrencyFirstWrite ? Concurrency.FirstWrite : Concurrency.LastWrite;

    private static TraceContext Trace(ServerCallContext context) =>
        TraceContext.ChildOf(context.RequestHeaders.GetValue("traceparent"), context.RequestHeaders.GetValue("tracestate"));

    private static async Task<T> Call<T>(Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (DaprApiException e)
        {
            throw e.ToRpc();
        }
    }
}
