using LocalDapr.Actors;
using LocalDapr.Configuration;
using LocalDapr.PubSub;
using LocalDapr.Resiliency;
using LocalDapr.State;

namespace LocalDapr.Sidecar;

/// <summary>
/// What one sidecar does, whichever API (gRPC or HTTP) asked: publishing, state, the app channel and the subscriptions.
/// </summary>
public sealed class SidecarRuntime : IAsyncDisposable
{
    private readonly RuntimeEnvironment _env;
    private readonly Dictionary<string, (ComponentSpec Spec, IPubSub PubSub)> _pubsubs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ComponentSpec Spec, IStateStore Store)> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Secrets.ISecretStore> _secretStores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StateEncryption> _encryption = new(StringComparer.Ordinal);
    private readonly List<SubscriptionDispatcher> _dispatchers = [];
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _appReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, CallPolicy> _inbound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallPolicy> _outbound = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CallPolicy> _targets = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeliveryWorkers> _workers = new(StringComparer.Ordinal);

    public SidecarRuntime(SidecarOptions options, Resources resources, RuntimeEnvironment env)
    {
        Options = options;
        _env = env;
        _logger = env.Loggers.CreateLogger($"daprd.{options.AppId}");
        // Secret stores first (in file order, each able to use the ones before it), then every other component with its
        // secret references read and its metadata templates expanded, as daprd does before initialising a component.
        var resolved = new Dictionary<ComponentSpec, ComponentSpec>(ReferenceEqualityComparer.Instance);
        foreach (var component in resources.Components.Where(c => c.Kind == "secretstores"))
        {
            var spec = Secrets.LocalFileSecretStore.InDirectory(
                Secrets.ComponentMetadata.Resolve(component, _secretStores, options.AppId, options.PodName, options.Namespace, _logger), options.WorkingDirectory);
            resolved[component] = spec;
            _secretStores[spec.Name] = env.Components.SecretStore(spec);
        }
        foreach (var component in resources.Components.Where(c => c.Kind != "secretstores"))
            resolved[component] = Secrets.ComponentMetadata.Resolve(component, _secretStores, options.AppId, options.PodName, options.Namespace, _logger);
        resources = resources with { Components = [.. resources.Components.Select(c => resolved[c])] };
        Resources = resources;
        try
        {
            // As daprd: parsed for the app's protocol (HTTP-like protocols match operations case-insensitively), refused at start-up when invalid.
            AccessControl = AccessControlList.Parse(resources.AccessControl, isHttp: options.AppProtocol is "http" or "h2c");
        }
        catch (FormatException e)
        {
            throw new ConfigurationException(resources.AccessControl.File ?? "(configuration)", resources.AccessControl.Line, e.Message);
        }
        if (AccessControl is not null && string.IsNullOrEmpty(resources.AccessControl.DefaultAction) && resources.AccessControl.Policies is not { Count: 0 })
            _logger.LogWarning("No global default action has been specified. Setting default global action as Deny");
        Identity = new CallerIdentity(AccessControl?.TrustDomain ?? AccessControlList.DefaultTrustDomain, options.Namespace, options.AppId);
        foreach (var component in resources.Components)
        {
            var fallback = component.Kind == "pubsub" ? RetrySpec.FromComponent(component, RetrySpec.InMemoryDefault) : null;
            _inbound[component.Name] = new CallPolicy(resources.Resiliency.Inbound(component.Name), fallback, env.Time);
            _outbound[component.Name] = new CallPolicy(resources.Resiliency.Outbound(component.Name), null, env.Time);
            switch (component.Kind)
            {
                case "pubsub":
                    _pubsubs[component.Name] = (component, env.Components.PubSub(component));
                    break;
                case "state":
                    if (StateEncryption.Create(component, _secretStores.GetValueOrDefault(component.AuthSecretStore ?? "")) is { } encryption)
                    {
                        _encryption[component.Name] = encryption;
                        _logger.LogInformation("Automatic encryption enabled for state store {Store}", component.Name);
                    }
                    _stores[component.Name] = (component, env.Components.StateStore(component));
                    break;
            }
        }
        if (options.AppPort is not null) Channel = new AppChannel(options);
        else _appReady.TrySetResult();
    }

    public SidecarOptions Options { get; }

    public Resources Resources { get; }

    public string AppId => Options.AppId;

    /// <summary>The access control this sidecar applies to calls of its app (<c>spec.accessControl</c>); null when none is set.</summary>
    public AccessControlList? AccessControl { get; }

    /// <summary>
    /// This sidecar's identity as a callee's sidecar sees it: daprd's SPIFFE id, in the trust domain of its own
    /// configuration's access control and its namespace (<c>NAMESPACE</c>, default <c>default</c>).
    /// </summary>
    public CallerIdentity Identity { get; }

    public AppChannel? Channel { get; }

    public TimeProvider Time => _env.Time;

    public RuntimeEnvironment Environment => _env;

    /// <summary>True once the app answered and its subscriptions are running (or when there is no app channel).</summary>
    public bool IsAppReady => _appReady.Task.IsCompletedSuccessfully;

    public bool HasAppChannel => Channel is not null && IsAppReady;

    public Task AppReady => _appReady.Task;

    public IReadOnlyList<Subscription> Subscriptions { get; private set; } = [];

    /// <summary>The actors the app hosts, once it has said so on <c>/dapr/config</c>; null when it hosts none.</summary>
    public ActorHost? Actors { get; private set; }

    public IEnumerable<ComponentSpec> Components => Resources.Components;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _extendedMetadata = new(StringComparer.Ordinal) { ["appCommand"] = "" };

    /// <summary>The extended metadata set through <c>PUT /v1.0/metadata/{key}</c> or gRPC <c>SetMetadata</c>.</summary>
    public IReadOnlyDictionary<string, string> ExtendedMetadata => _extendedMetadata;

    /// <summary>Sets one extended metadata key; an empty key is ignored, as daprd does.</summary>
    public void SetExtendedMetadata(string key, string value)
    {
        if (!string.IsNullOrEmpty(key)) _extendedMetadata[key] = value;
    }

    /// <summary>This sidecar's policy for calls to app <paramref name="appId"/> (resiliency <c>targets.apps</c>), one breaker per target.</summary>
    public CallPolicy AppPolicy(string appId) => _targets.GetOrAdd("app/" + appId, _ => new CallPolicy(Resources.Resiliency.App(appId), null, _env.Time));

    /// <summary>This sidecar's policy for calls to actors of <paramref name="type"/> (resiliency <c>targets.actors</c>).</summary>
    public CallPolicy ActorPolicy(string type) => _targets.GetOrAdd("actor/" + type, _ => new CallPolicy(Resources.Resiliency.Actor(type), null, _env.Time));

    private static bool IsPermanent(Exception e) => e is ETagException or DaprApiException;

    // ---------------------------------------------------------------- pub/sub

    public async Task PublishAsync(PublishRequest request, TraceContext trace, CancellationToken cancellationToken)
    {
        var pubsub = CheckPublish(request.PubSubName, request.Topic);
        var data = CloudEvents.Envelope(request, AppId, trace, _env.Time.GetUtcNow());
        try
        {
            await _outbound[request.PubSubName].ExecuteAsync(token => pubsub.PublishAsync(request.Topic, [new PubSubMessage(request.Topic, data, request.Metadata)], token).AsTask(), IsPermanent, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw DaprErrors.PublishFailed(request.Topic, request.PubSubName, e.Message);
        }
    }

    /// <summary>Publishes every entry; returns the ids of entries that failed, with the error.</summary>
    public async Task<IReadOnlyList<(string EntryId, string Error)>> BulkPublishAsync(string pubsubName, string topic,
        IReadOnlyList<(string EntryId, PublishRequest Request)> entries, TraceContext trace, CancellationToken cancellationToken)
    {
        var pubsub = CheckPublish(pubsubName, topic);
        if (entries.Select(e => e.EntryId).Distinct(StringComparer.Ordinal).Count() != entries.Count || entries.Any(e => string.IsNullOrEmpty(e.EntryId)))
            throw DaprErrors.BulkEntryId(topic, pubsubName);
        var now = _env.Time.GetUtcNow();
        var messages = entries.Select(e => new PubSubMessage(topic, CloudEvents.Envelope(e.Request, AppId, trace, now), e.Request.Metadata)).ToList();
        try
        {
            await _outbound[pubsubName].ExecuteAsync(token => pubsub.PublishAsync(topic, messages, token).AsTask(), IsPermanent, cancellationToken);
            return [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return entries.Select(x => (x.EntryId, e.Message)).ToList();
        }
    }

    private IPubSub CheckPublish(string pubsubName, string topic)
    {
        if (string.IsNullOrEmpty(pubsubName)) throw DaprErrors.PubSubNameEmpty();
        if (!_pubsubs.TryGetValue(pubsubName, out var entry)) throw DaprErrors.PubSubNotFound(pubsubName);
        if (string.IsNullOrEmpty(topic)) throw DaprErrors.TopicEmpty(pubsubName);
        if (!TopicScopes.MayPublish(entry.Spec, AppId, topic)) throw DaprErrors.TopicForbidden(topic, AppId);
        return entry.PubSub;
    }

    // ---------------------------------------------------------------- secrets

    /// <summary>The features of the secret store <paramref name="name"/> (none when there is no such store).</summary>
    public IReadOnlyList<string> SecretStoreFeatures(string name) => _secretStores.TryGetValue(name, out var store) ? store.Features : [];

    /// <summary>The store, after daprd's checks: no secret store at all, then an unknown one (<c>secretsValidateRequest</c>).</summary>
    private Secrets.ISecretStore SecretStore(string name)
    {
        if (_secretStores.Count == 0) throw DaprErrors.SecretStoresNotConfigured();
        return _secretStores.TryGetValue(name ?? "", out var store) ? store : throw DaprErrors.SecretStoreNotFound(name ?? "");
    }

    /// <summary>Whether the Configuration's secret scopes let the app read <paramref name="key"/> (allowed when the store has no scope).</summary>
    private bool IsSecretAllowed(string storeName, string key) =>
        !Resources.SecretScopes.TryGetValue(storeName, out var scope) || scope.IsAllowed(key);

    /// <summary>One secret's values (dapr/dapr <c>universal.GetSecret</c>): store checks, then the scope, then the store under the outbound policy.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string storeName, string key, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = SecretStore(storeName);
        if (!IsSecretAllowed(storeName, key)) throw DaprErrors.SecretPermissionDenied(key, storeName);
        try
        {
            return await _outbound[storeName].ExecuteAsync(_ => Task.FromResult(store.Get(key, metadata)), _ => false, IsPermanent, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or DaprApiException))
        {
            throw DaprErrors.SecretGet(key, storeName, e.Message);
        }
    }

    /// <summary>Every secret of the store the scopes allow (<c>universal.GetBulkSecret</c>: the others are left out, not refused).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(string storeName, IReadOnlyDictionary<string, string> metadata,
        CancellationToken cancellationToken)
    {
        var store = SecretStore(storeName);
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> all;
        try
        {
            all = await _outbound[storeName].ExecuteAsync(_ => Task.FromResult(store.BulkGet(metadata)), _ => false, IsPermanent, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or DaprApiException))
        {
            throw DaprErrors.BulkSecretGet(storeName, e.Message);
        }
        return all.Where(s => IsSecretAllowed(storeName, s.Key)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
    }

    // ---------------------------------------------------------------- state

    public (ComponentSpec Spec, IStateStore Store) Store(string name)
    {
        if (_stores.Count == 0) throw DaprErrors.StateStoreNotConfigured(name);
        return _stores.TryGetValue(name ?? "", out var entry) ? entry : throw DaprErrors.StateStoreNotFound(name ?? "");
    }

    public (ComponentSpec Spec, IStateStore Store)? ActorStateStore => _stores.Values.Where(s => s.Store.IsActorStateStore).Select(s => ((ComponentSpec, IStateStore)?)s).FirstOrDefault();

    /// <summary>The key as the store holds it, following the component's <c>keyPrefix</c> (default: the app-id).</summary>
    public string StoreKey(ComponentSpec spec, string key)
    {
        if (string.IsNullOrEmpty(key)) throw DaprErrors.EmptyKey();
        if (key.Contains("||", StringComparison.Ordinal)) throw DaprErrors.IllegalKey(key);
        var prefix = spec.Meta("keyPrefix") ?? "appid";
        return prefix switch
        {
            "appid" or "namespace" => $"{AppId}||{key}",
            "name" => $"{spec.Name}||{key}",
            "none" => key,
            _ => $"{prefix}||{key}",
        };
    }

    public async Task<StateEntry?> GetStateAsync(string storeName, string key, CancellationToken cancellationToken)
    {
        var entry = await ReadStateAsync(storeName, key, cancellationToken);
        try
        {
            return Decrypt(storeName, entry);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw DaprErrors.StateGet(key, storeName, e.Message);
        }
    }

    private async Task<StateEntry?> ReadStateAsync(string storeName, string key, CancellationToken cancellationToken)
    {
        var (spec, store) = Store(storeName);
        var storeKey = StoreKey(spec, key);
        try
        {
            return await _outbound[storeName].ExecuteAsync(token => store.GetAsync(storeKey, token).AsTask(), _ => false, IsPermanent, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or DaprApiException))
        {
            throw DaprErrors.StateGet(key, storeName, e.Message);
        }
    }

    /// <summary>The entry as the app saved it, when the store is encrypted (daprd decrypts on get and bulk get only).</summary>
    private StateEntry? Decrypt(string storeName, StateEntry? entry) =>
        entry is not null && _encryption.TryGetValue(storeName, out var encryption) ? entry with { Value = encryption.Decrypt(entry.Value) } : entry;

    /// <summary>The value to store: sealed with the primary key when the store is encrypted (daprd encrypts saves and transactions' upserts).</summary>
    private byte[]? Encrypt(string storeName, byte[]? value) =>
        value is not null && _encryption.TryGetValue(storeName, out var encryption) ? encryption.Encrypt(value) : value;

    /// <summary>
    /// Reads many keys at once: the reads are issued together (a networked store pipelines them) rather than one after
    /// another. Each key's entry (null when absent) or its error, in key order; an unknown store throws. A value that
    /// cannot be decrypted is that item's error, in the cipher's words, as daprd reports it.
    /// </summary>
    public async Task<(StateEntry? Entry, DaprApiException? Error)[]> GetBulkStateAsync(string storeName, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        Store(storeName);
        return await Task.WhenAll(keys.Select(async key =>
        {
            try
            {
                return (Decrypt(storeName, await ReadStateAsync(storeName, key, cancellationToken)), (DaprApiException?)null);
            }
            catch (DaprApiException e)
            {
                return ((StateEntry?)null, e);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                return ((StateEntry?)null, new DaprApiException(Grpc.Core.StatusCode.Internal, 500, "ERR_STATE_GET", e.Message));
            }
        }));
    }

    /// <summary>Saves or deletes; ETag problems map to daprd's codes (mismatch: Aborted, malformed: InvalidArgument).</summary>
    public async Task WriteStateAsync(string storeName, IReadOnlyList<StateWrite> writes, bool isDelete, CancellationToken cancellationToken)
    {
        var (spec, store) = Store(storeName);
        var prefixed = writes.Select(w => w with { Key = StoreKey(spec, w.Key), Value = Encrypt(storeName, w.Value) }).ToList();
        // Each item of a save or bulk delete is its own operation, as with daprd.
        for (var i = 0; i < prefixed.Count; i++)
        {
            try
            {
                var write = prefixed[i] with { Ttl = TtlMetadata.Parse(prefixed[i].TtlText, spec.Type) ?? prefixed[i].Ttl };
                await _outbound[storeName].ExecuteAsync(token => store.WriteAsync([write], token).AsTask(), IsPermanent, cancellationToken);
            }
            catch (ETagException e)
            {
                var what = isDelete ? $"failed deleting state with key {writes[i].Key}" : $"failed saving state in state store {storeName}";
                throw e.Problem == ETagProblem.Mismatch
                    ? new DaprApiException(Grpc.Core.StatusCode.Aborted, 409, isDelete ? "ERR_STATE_DELETE" : "ERR_STATE_SAVE", $"{what}: {e.Message}")
                    : new DaprApiException(Grpc.Core.StatusCode.InvalidArgument, 400, isDelete ? "ERR_STATE_DELETE" : "ERR_STATE_SAVE", $"{what}: {e.Message}");
            }
            catch (Exception e) when (e is not (OperationCanceledException or DaprApiException))
            {
                throw new DaprApiException(Grpc.Core.StatusCode.Internal, 500, isDelete ? "ERR_STATE_DELETE" : "ERR_STATE_SAVE",
                    isDelete ? $"failed deleting state with key {writes[i].Key}: {e.Message}" : $"failed saving state in state store {storeName}: {e.Message}");
            }
        }
    }

    public async Task TransactAsync(string storeName, IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        var (spec, store) = Store(storeName);
        try
        {
            var prefixed = writes.Select(w => w with { Key = StoreKey(spec, w.Key), Value = Encrypt(storeName, w.Value), Ttl = TtlMetadata.Parse(w.TtlText, spec.Type) ?? w.Ttl }).ToList();
            await _outbound[storeName].ExecuteAsync(token => store.WriteAsync(prefixed, token).AsTask(), IsPermanent, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or DaprApiException))
        {
            throw DaprErrors.StateTransaction(e.Message);
        }
    }

    // ---------------------------------------------------------------- app channel and subscriptions

    /// <summary>Waits for the app to answer, then reads its subscriptions and starts delivering.</summary>
    public async Task ConnectAppAsync()
    {
        if (Channel is null) return;
        var token = _stopping.Token;
        try
        {
            while (!await Channel.ProbeAsync(token)) await Task.Delay(TimeSpan.FromMilliseconds(50), _env.Time, token);
            var programmatic = await DiscoverSubscriptionsAsync(token);
            var declarative = Resources.Subscriptions;
            foreach (var twin in programmatic.Where(p => declarative.Any(d => d.PubSubName == p.PubSubName && d.Topic == p.Topic)))
                _logger.LogWarning("App {AppId} subscribes to {PubSub}/{Topic} both declaratively and programmatically; the declarative subscription is used", AppId, twin.PubSubName, twin.Topic);
            Subscriptions = [.. declarative, .. programmatic.Where(p => !declarative.Any(d => d.PubSubName == p.PubSubName && d.Topic == p.Topic))];
            foreach (var subscription in Subscriptions) StartDispatcher(subscription);
            var actors = await DiscoverActorsAsync(token);
            if (actors.Types.Count > 0)
            {
                Actors = new ActorHost(this, Channel, actors, _env.Loggers.CreateLogger($"daprd.{AppId}.actors"));
                await Actors.Reminders.LoadAsync(token);
            }
            _appReady.TrySetResult();
            _logger.LogInformation("App {AppId} is connected on port {Port} ({Protocol}); {Count} subscription(s)", AppId, Options.AppPort, Options.AppProtocol, Subscriptions.Count);
        }
        catch (OperationCanceledException)
        {
            _appReady.TrySetCanceled(token);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Connecting to app {AppId} failed", AppId);
            _appReady.TrySetException(e);
        }
    }

    private async Task<IReadOnlyList<Subscription>> DiscoverSubscriptionsAsync(CancellationToken cancellationToken)
    {
        using var request = Channel!.Request(HttpMethod.Get, "/dapr/subscribe");
        request.Headers.TryAddWithoutValidation("dapr-app-id", "self");
        using var response = await Channel.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) return [];
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return Subscription.ParseProgrammatic(body, message => _logger.LogWarning("App {AppId}: {Message}", AppId, message));
        }
        catch (System.Text.Json.JsonException e)
        {
            _logger.LogError("App {AppId} answered /dapr/subscribe with JSON the runtime cannot read: {Error}", AppId, e.Message);
            return [];
        }
    }

    private async Task<ActorConfig> DiscoverActorsAsync(CancellationToken cancellationToken)
    {
        using var request = Channel!.Request(HttpMethod.Get, "/dapr/config");
        using var response = await Channel.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) return ActorConfig.None;
        try
        {
            var config = ActorConfig.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            if (config.Types.Count > 0 && ActorStateStore is null)
                _logger.LogWarning("App {AppId} hosts actors ({Types}) but no state store has metadata actorStateStore set to true: actor state and reminders will fail", AppId, string.Join(", ", config.Types));
            return config;
        }
        catch (System.Text.Json.JsonException e)
        {
            _logger.LogError("App {AppId} answered /dapr/config with JSON the runtime cannot read: {Error}", AppId, e.Message);
            return ActorConfig.None;
        }
    }

    private void StartDispatcher(Subscription subscription)
    {
        if (!_pubsubs.TryGetValue(subscription.PubSubName, out var entry))
        {
            _logger.LogWarning("App {AppId} subscribes to topic {Topic} on pubsub {PubSub}, which is not configured; skipping", AppId, subscription.Topic, subscription.PubSubName);
            return;
        }
        if (!TopicScopes.MaySubscribe(entry.Spec, AppId, subscription.Topic))
        {
            _logger.LogWarning("App {AppId} may not subscribe to topic {Topic} on pubsub {PubSub} (subscriptionScopes); skipping", AppId, subscription.Topic, subscription.PubSubName);
            return;
        }
        var group = entry.Spec.Meta("consumerID") ?? AppId;
        var consumer = entry.PubSub.Consume(subscription.Topic, group, $"{AppId}-{Guid.NewGuid():N}");
        // pubsub.redis delivers with a pool of `concurrency` workers per component (no order within a topic).
        var workers = entry.PubSub is RedisPubSub redis ? _workers.GetOrAdd(subscription.PubSubName, _ => new DeliveryWorkers(redis.Concurrency)) : null;
        lock (_dispatchers)
        {
            _dispatchers.Add(new SubscriptionDispatcher(subscription, entry.PubSub, consumer, Channel!, _inbound[subscription.PubSubName],
                _env.Loggers.CreateLogger($"daprd.{AppId}.pubsub"), _env.Time,
                topic => TopicScopes.MayPublish(entry.Spec, AppId, topic) ? null : DaprErrors.TopicForbidden(topic, AppId), workers));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        SubscriptionDispatcher[] dispatchers;
        lock (_dispatchers) dispatchers = [.. _dispatchers];
        foreach (var dispatcher in dispatchers) await dispatcher.DisposeAsync();
        if (Actors is not null) await Actors.DisposeAsync();
        Channel?.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>
/// Topic scoping metadata of pub/sub components, as daprd reads it (dapr/dapr <c>pkg/runtime/pubsub</c>
/// <c>GetScopedTopics</c> and <c>IsOperationAllowed</c>): <c>allowedTopics</c> (no other topic for anyone),
/// <c>protectedTopics</c> (only for apps granted them by the scopes), <c>publishingScopes</c> and
/// <c>subscriptionScopes</c> (<c>app1=topic1;app2=topic2,topic3;app3=</c>: an app listed may use only its topics, so
/// <c>app3=</c> none; an app not listed may use any topic that is not protected).
/// </summary>
public static class TopicScopes
{
    public static bool MayPublish(ComponentSpec spec, string appId, string topic) =>
        IsAllowed(spec, topic, ScopedTopics(spec.Meta("publishingScopes"), appId));

    public static bool MaySubscribe(ComponentSpec spec, string appId, string topic) =>
        IsAllowed(spec, topic, ScopedTopics(spec.Meta("subscriptionScopes"), appId));

    private static bool IsAllowed(ComponentSpec spec, string topic, HashSet<string> scoped)
    {
        if (spec.Meta("allowedTopics") is { } allowed && !Topics(allowed).Contains(topic)) return false;
        var isProtected = spec.Meta("protectedTopics") is { } protectedTopics && Topics(protectedTopics).Contains(topic);
        return !isProtected && scoped.Count == 0 || scoped.Contains(topic);
    }

    /// <summary>The topics <paramref name="scopes"/> grant <paramref name="appId"/>, over every entry that names it.</summary>
    private static HashSet<string> ScopedTopics(string? scopes, string appId)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        if (scopes is null) return topics;
        foreach (var entry in Compact(scopes).Split(';'))
        {
            var parts = entry.Split('=');
            if (parts.Length < 2 || parts[0] != appId) continue;
            topics.UnionWith(parts[1].Split(','));
        }
        return topics;
    }

    private static string[] Topics(string list) => Compact(list).Split(',');

    private static string Compact(string text) => text.Replace(" ", "", StringComparison.Ordinal);
}
