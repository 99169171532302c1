using Grpc.Core;

namespace LocalDapr.Sidecar;

/// <summary>An API error with the gRPC code, HTTP status, error code and message daprd gives for it.</summary>
public sealed class DaprApiException(StatusCode grpcCode, int httpStatus, string errorCode, string message) : Exception(message)
{
    public StatusCode GrpcCode { get; } = grpcCode;
    public int HttpStatus { get; } = httpStatus;
    public string ErrorCode { get; } = errorCode;

    public RpcException ToRpc() => new(new Status(GrpcCode, Message));
}

/// <summary>The errors daprd returns, word for word (dapr/dapr <c>pkg/api/errors</c>, <c>pkg/messages/predefined.go</c>).</summary>
public static class DaprErrors
{
    public static DaprApiException PubSubNameEmpty() =>
        new(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_EMPTY", "pubsub name is empty");

    public static DaprApiException PubSubNotFound(string name) =>
        new(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", $"pubsub {name} is not found");

    public static DaprApiException TopicEmpty(string pubsub) =>
        new(StatusCode.InvalidArgument, 404, "ERR_TOPIC_NAME_EMPTY", $"topic is empty in pubsub {pubsub}");

    public static DaprApiException TopicForbidden(string topic, string appId) =>
        new(StatusCode.PermissionDenied, 403, "ERR_PUBSUB_FORBIDDEN", $"topic {topic} is not allowed for app id {appId}");

    public static DaprApiException PublishFailed(string topic, string pubsub, string error) =>
        new(StatusCode.Internal, 500, "ERR_PUBSUB_PUBLISH_MESSAGE", $"error when publishing to topic {topic} in pubsub {pubsub}: {error}");

    public static DaprApiException BulkEntryId(string topic, string pubsub) =>
        new(StatusCode.InvalidArgument, 400, "ERR_PUBSUB_EVENTS_SER", $"error marshaling events to bytes for topic {topic} pubsub {pubsub}. error: entryId is duplicated or not present for entry");

    public static DaprApiException StateStoreNotConfigured(string name) =>
        new(StatusCode.FailedPrecondition, 500, "ERR_STATE_STORE_NOT_CONFIGURED", $"state store {name} is not configured");

    public static DaprApiException StateStoreNotFound(string name) =>
        new(StatusCode.InvalidArgument, 400, "ERR_STATE_STORE_NOT_FOUND", $"state store {name} is not found");

    public static DaprApiException IllegalKey(string key) =>
        new(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", $"input key/keyPrefix '{key}' can't contain '||'");

    public static DaprApiException EmptyKey() =>
        new(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", "state key cannot be empty");

    public static DaprApiException StateGet(string key, string store, string error) =>
        new(StatusCode.Internal, 500, "ERR_STATE_GET", $"fail to get {key} from state store {store}: {error}");

    public static DaprApiException StateTransaction(string error) =>
        new(StatusCode.Internal, 500, "ERR_STATE_TRANSACTION", $"error while executing state transaction: {error}");

    public static DaprApiException DirectInvoke(string appId, string error) =>
        new(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {appId}, err: {error}");

    /// <summary>
    /// A call the callee's sidecar refused (access control: <c>PermissionDenied</c>, HTTP 403; an invalid method:
    /// <c>InvalidArgument</c>, HTTP 500), as daprd's HTTP API wraps the callee's gRPC error.
    /// </summary>
    public static DaprApiException DirectInvokeRefused(string appId, StatusCode code, string message) =>
        new(StatusCode.Internal, code == StatusCode.PermissionDenied ? 403 : 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {appId}, err: rpc error: code = {code} desc = {message}");

    public static DaprApiException NoAppId() =>
        new(StatusCode.NotFound, 404, "ERR_DIRECT_INVOKE", "failed getting app id either from the URL path or the header dapr-app-id");

    public static DaprApiException Malformed(string message) =>
        new(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", message);

    public static DaprApiException SecretStoresNotConfigured() =>
        new(StatusCode.FailedPrecondition, 500, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured");

    public static DaprApiException SecretStoreNotFound(string name) =>
        new(StatusCode.InvalidArgument, 401, "ERR_SECRET_STORE_NOT_FOUND", $"failed finding secret store with key {name}");

    public static DaprApiException SecretPermissionDenied(string key, string store) =>
        new(StatusCode.PermissionDenied, 403, "ERR_PERMISSION_DENIED", $"access denied by policy to get \"{key}\" from \"{store}\"");

    public static DaprApiException SecretGet(string key, string store, string error) =>
        new(StatusCode.Internal, 500, "ERR_SECRET_GET", $"failed getting secret with key {key} from secret store {store}: {error}");

    public static DaprApiException BulkSecretGet(string store, string error) =>
        new(StatusCode.Internal, 500, "ERR_SECRET_GET", $"failed getting secrets from secret store {store}: {error}");

    public const string ProxyWithoutAppId = "failed to proxy request: required metadata dapr-callee-app-id or dapr-app-id not found";
}
