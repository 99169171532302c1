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
        binder.AddMethod(Unary<GetSecretRequest, GetSecretResponse>("GetSecret"), api is null ? null! : api.GetSecret);
        binder.AddMethod(Unary<GetBulkSecretRequest, GetBulkSecretResponse>("GetBulkSecret"), api is null ? null! : api.GetBulkSecret);
        binder.AddMethod(Unary<GetMetadataRequest, GetMetadataResponse>("GetMetadata"), api is null ? null! : api.GetMetadata);
        binder.AddMethod(Unary<SetMetadataRequest, Empty>("SetMetadata"), api is null ? null! : api.SetMetadata);
        binder.AddMethod(Unary<InvokeServiceRequest, InvokeResponse>("InvokeService"), api is null ? null! : api.InvokeService);
        binder.AddMethod(Unary<InvokeActorRequest, InvokeActorResponse>("InvokeActor"), api is null ? null! : api.InvokeActor);
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

    public virtual Task<GetSecretResponse> GetSecret(GetSecretRequest request, ServerCallContext context) => Call(async () =>
    {
        var response = new GetSecretResponse();
        foreach (var (key, value) in await sidecar.GetSecretAsync(request.StoreName, request.Key, request.Metadata, context.CancellationToken)) response.Data[key] = value;
        return response;
    });

    public virtual Task<GetBulkSecretResponse> GetBulkSecret(GetBulkSecretRequest request, ServerCallContext context) => Call(async () =>
    {
        var response = new GetBulkSecretResponse();
        foreach (var (name, values) in await sidecar.GetBulkSecretAsync(request.StoreName, request.Metadata, context.CancellationToken))
        {
            var secret = new SecretResponse();
            foreach (var (key, value) in values) secret.Secrets[key] = value;
            response.Data[name] = secret;
        }
        return response;
    });

    public virtual Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(SidecarMetadata.ToGrpc(sidecar));

    /// <summary>Sets one extended metadata key (an empty key is ignored, as daprd does).</summary>
    public virtual Task<Empty> SetMetadata(SetMetadataRequest request, ServerCallContext context)
    {
        sidecar.SetExtendedMetadata(request.Key, request.Value);
        return Task.FromResult(new Empty());
    }

    /// <summary>
    /// The deprecated unary invocation daprd still serves, to HTTP apps too: the app's answer comes back as the response's
    /// data, its HTTP status in the <c>dapr-http-status</c> header; a status outside 2xx is the gRPC error daprd maps it to,
    /// with the status text as message.
    /// </summary>
    public virtual Task<InvokeResponse> InvokeService(InvokeServiceRequest request, ServerCallContext context) => Call(async () =>
    {
        var message = request.Message ?? new InvokeRequest();
        var verb = message.HttpExtension?.Verb is { } v && v != HTTPExtension.Types.Verb.None ? new HttpMethod(v.ToString().ToUpperInvariant()) : null;
        var headers = context.RequestHeaders.Where(h => !h.IsBinary && !h.Key.StartsWith(':') && h.Key is not ("content-type" or "te" or "user-agent" or "grpc-accept-encoding" or "grpc-timeout"))
            .Select(h => KeyValuePair.Create(h.Key, h.Value));
        var answer = await Invocation.InvokeAsync(sidecar, request.Id, verb, message.Method, message.HttpExtension?.Querystring ?? "", message.ContentType,
            message.Data?.Value.ToByteArray() ?? [], headers, context.RequestHeaders.GetValue("traceparent"), context.CancellationToken);
        await context.WriteResponseHeadersAsync(new Metadata { { "dapr-http-status", answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        var code = CodeFromHttpStatus(answer.Status);
        if (code != StatusCode.OK) throw new RpcException(new Status(code, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(answer.Status)));
        return new InvokeResponse { Data = new Any { Value = ByteString.CopyFrom(answer.Body) }, ContentType = answer.ContentType ?? "" };
    });

    /// <summary>An actor method called over gRPC: the app's answer (an actor error included, as daprd passes it) is the data.</summary>
    public virtual Task<InvokeActorResponse> InvokeActor(InvokeActorRequest request, ServerCallContext context) => Call(async () =>
    {
        var headers = new Dictionary<string, string>(request.Metadata, StringComparer.OrdinalIgnoreCase);
        if (context.RequestHeaders.GetValue("traceparent") is { } traceparent) headers["traceparent"] = traceparent;
        var response = await Actors.ActorHttpApi.InvokeMethodAsync(sidecar, request.ActorType, request.ActorId, request.Method, request.Data.ToByteArray(), null, headers, context.CancellationToken);
        return new InvokeActorResponse { Data = ByteString.CopyFrom(response.Body) };
    });

    /// <summary>daprd's mapping of an HTTP app's status to a gRPC code (<c>pkg/messaging/v1</c> <c>CodeFromHTTPStatus</c>).</summary>
    public static StatusCode CodeFromHttpStatus(int status) => status switch
    {
        >= 200 and < 300 => StatusCode.OK,
        408 => StatusCode.Cancelled,
        500 => StatusCode.Unknown,
        400 => StatusCode.Internal,
        504 => StatusCode.DeadlineExceeded,
        404 => StatusCode.NotFound,
        409 => StatusCode.AlreadyExists,
        403 => StatusCode.PermissionDenied,
        401 => StatusCode.Unauthenticated,
        429 => StatusCode.ResourceExhausted,
        501 => StatusCode.Unimplemented,
        503 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

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
