using Dapr.Client;

#pragma warning disable DAPR_DISTRIBUTEDLOCK // Lock/Unlock are experimental; the fake only refuses them.

namespace Mtaeda.ServiceDefaults.Tests.Fakes;

// Everything the guard does not use: a call here is a test failure with a clear message.
internal sealed partial class FakeDaprClient
{
    public override Task PublishEventAsync<TData>(string pubsubName, string topicName, TData? data, CancellationToken cancellationToken) where TData : default => throw Unsupported();
    public override Task PublishEventAsync<TData>(string pubsubName, string topicName, TData? data, Dictionary<string, string> metadata, CancellationToken cancellationToken) where TData : default => throw Unsupported();
    public override Task PublishEventAsync(string pubsubName, string topicName, CancellationToken cancellationToken) => throw Unsupported();
    public override Task PublishEventAsync(string pubsubName, string topicName, Dictionary<string, string> metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<BulkPublishResponse<TValue>> BulkPublishEventAsync<TValue>(string pubsubName, string topicName, IReadOnlyList<TValue?> events, Dictionary<string, string>? metadata, CancellationToken cancellationToken) where TValue : default => throw Unsupported();
    public override Task PublishByteEventAsync(string pubsubName, string topicName, ReadOnlyMemory<byte> data, string dataContentType, Dictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task InvokeBindingAsync<TRequest>(string bindingName, string operation, TRequest? data, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) where TRequest : default => throw Unsupported();
    public override Task<TResponse> InvokeBindingAsync<TRequest, TResponse>(string bindingName, string operation, TRequest? data, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) where TRequest : default where TResponse : default => throw Unsupported();
    public override Task<BindingResponse> InvokeBindingAsync(BindingRequest request, CancellationToken cancellationToken) => throw Unsupported();
    public override HttpRequestMessage CreateInvokeMethodRequest(HttpMethod httpMethod, string appId, string methodName) => throw Unsupported();
    public override HttpRequestMessage CreateInvokeMethodRequest(HttpMethod httpMethod, string appId, string methodName, IReadOnlyCollection<KeyValuePair<string, string>> queryStringParameters) => throw Unsupported();
    public override HttpRequestMessage CreateInvokeMethodRequest<TRequest>(HttpMethod httpMethod, string appId, string methodName, IReadOnlyCollection<KeyValuePair<string, string>> queryStringParameters, TRequest? data) where TRequest : default => throw Unsupported();
    public override Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => throw Unsupported();
    public override Task<bool> CheckOutboundHealthAsync(CancellationToken cancellationToken) => throw Unsupported();
    public override Task WaitForSidecarAsync(CancellationToken cancellationToken) => throw Unsupported();
    public override Task ShutdownSidecarAsync(CancellationToken cancellationToken) => throw Unsupported();
    public override Task<DaprMetadata> GetMetadataAsync(CancellationToken cancellationToken) => throw Unsupported();
    public override Task SetMetadataAsync(string attributeName, string attributeValue, CancellationToken cancellationToken) => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task<HttpResponseMessage> InvokeMethodWithResponseAsync(HttpRequestMessage request, CancellationToken cancellationToken) => throw Unsupported();
    public override HttpClient CreateInvokableHttpClient(string? appId) => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task InvokeMethodAsync(HttpRequestMessage request, CancellationToken cancellationToken) => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task<TResponse> InvokeMethodAsync<TResponse>(HttpRequestMessage request, CancellationToken cancellationToken) where TResponse : default => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task InvokeMethodGrpcAsync(string appId, string methodName, CancellationToken cancellationToken) => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task InvokeMethodGrpcAsync<TRequest>(string appId, string methodName, TRequest data, CancellationToken cancellationToken) => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task<TResponse> InvokeMethodGrpcAsync<TResponse>(string appId, string methodName, CancellationToken cancellationToken) => throw Unsupported();
    [Obsolete("Overrides an obsolete DaprClient member.")]
    public override Task<TResponse> InvokeMethodGrpcAsync<TRequest, TResponse>(string appId, string methodName, TRequest data, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<IReadOnlyList<BulkStateItem>> GetBulkStateAsync(string storeName, IReadOnlyList<string> keys, int? parallelism, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<IReadOnlyList<BulkStateItem<TValue>>> GetBulkStateAsync<TValue>(string storeName, IReadOnlyList<string> keys, int? parallelism, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) where TValue : default => throw Unsupported();
    public override Task SaveBulkStateAsync<TValue>(string storeName, IReadOnlyList<SaveStateItem<TValue>> items, CancellationToken cancellationToken) where TValue : default => throw Unsupported();
    public override Task DeleteBulkStateAsync(string storeName, IReadOnlyList<BulkDeleteStateItem> items, CancellationToken cancellationToken) => throw Unsupported();
    public override Task SaveByteStateAsync(string storeName, string key, ReadOnlyMemory<byte> binaryValue, StateOptions? stateOptions, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<bool> TrySaveByteStateAsync(string storeName, string key, ReadOnlyMemory<byte> binaryValue, string etag, StateOptions? stateOptions, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<ReadOnlyMemory<byte>> GetByteStateAsync(string storeName, string key, ConsistencyMode? consistencyMode, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<(ReadOnlyMemory<byte>, string)> GetByteStateAndETagAsync(string storeName, string key, ConsistencyMode? consistencyMode, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task ExecuteStateTransactionAsync(string storeName, IReadOnlyList<StateTransactionRequest> operations, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<StateQueryResponse<TValue>> QueryStateAsync<TValue>(string storeName, string jsonQuery, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) where TValue : default => throw Unsupported();
    public override Task<Dictionary<string, string>> GetSecretAsync(string storeName, string key, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<Dictionary<string, Dictionary<string, string>>> GetBulkSecretAsync(string storeName, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<GetConfigurationResponse> GetConfiguration(string storeName, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<SubscribeConfigurationResponse> SubscribeConfiguration(string storeName, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<UnsubscribeConfigurationResponse> UnsubscribeConfiguration(string storeName, string id, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<ReadOnlyMemory<byte>> EncryptAsync(string vaultResourceName, ReadOnlyMemory<byte> plaintextBytes, string keyName, EncryptionOptions encryptionOptions, CancellationToken cancellationToken) => throw Unsupported();
    public override IAsyncEnumerable<ReadOnlyMemory<byte>> EncryptAsync(string vaultResourceName, Stream plaintextStream, string keyName, EncryptionOptions encryptionOptions, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<ReadOnlyMemory<byte>> DecryptAsync(string vaultResourceName, ReadOnlyMemory<byte> ciphertextBytes, string keyName, DecryptionOptions options, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<ReadOnlyMemory<byte>> DecryptAsync(string vaultResourceName, ReadOnlyMemory<byte> ciphertextBytes, string keyName, CancellationToken cancellationToken) => throw Unsupported();
    public override IAsyncEnumerable<ReadOnlyMemory<byte>> DecryptAsync(string vaultResourceName, Stream ciphertextStream, string keyName, DecryptionOptions options, CancellationToken cancellationToken) => throw Unsupported();
    public override IAsyncEnumerable<ReadOnlyMemory<byte>> DecryptAsync(string vaultResourceName, Stream ciphertextStream, string keyName, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<TryLockResponse> Lock(string storeName, string resourceId, string lockOwner, int expiryInSeconds, CancellationToken cancellationToken) => throw Unsupported();
    public override Task<UnlockResponse> Unlock(string storeName, string resourceId, string lockOwner, CancellationToken cancellationToken) => throw Unsupported();

    private static NotSupportedException Unsupported([System.Runtime.CompilerServices.CallerMemberName] string member = "") =>
        new($"{nameof(FakeDaprClient)} does not implement {member}.");
}
