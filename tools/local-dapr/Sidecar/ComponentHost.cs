using System.Collections.Concurrent;
using LocalDapr.Configuration;
using LocalDapr.PubSub;
using LocalDapr.State;

namespace LocalDapr.Sidecar;

/// <summary>
/// Creates components and shares them between the sidecars of one process: two apps that read the same component
/// file talk to the same in-memory broker and store, which is what makes the embedded default work across apps.
/// </summary>
public sealed class ComponentHost(ILoggerFactory loggers, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IAsyncDisposable>> _instances = new(StringComparer.Ordinal);

    public IPubSub PubSub(ComponentSpec spec) => (IPubSub)Get(spec);

    public IStateStore StateStore(ComponentSpec spec) => (IStateStore)Get(spec);

    public Secrets.ISecretStore SecretStore(ComponentSpec spec) => (Secrets.ISecretStore)Get(spec);

    private IAsyncDisposable Get(ComponentSpec spec)
    {
        // A local file secret store is one per secrets file: sidecars in different working directories read different files.
        var identity = $"{Path.GetFullPath(spec.File)}#{spec.Name}#{spec.Type}{(spec.Type == "secretstores.local.file" ? "#" + spec.Meta("secretsFile") : "")}";
        return _instances.GetOrAdd(identity, _ => new Lazy<IAsyncDisposable>(() => Create(spec))).Value;
    }

    private IAsyncDisposable Create(ComponentSpec spec) => spec.Type switch
    {
        "pubsub.in-memory" => new InMemoryPubSub(spec, loggers.CreateLogger($"pubsub.{spec.Name}")),
        "state.in-memory" => new InMemoryStateStore(spec, time),
        "pubsub.redis" => new RedisPubSub(spec, loggers.CreateLogger($"pubsub.{spec.Name}"), time),
        "state.redis" => new RedisStateStore(spec, loggers.CreateLogger($"state.{spec.Name}"), time),
        "secretstores.local.file" => new Secrets.LocalFileSecretStore(spec),
        "secretstores.local.env" => new Secrets.EnvSecretStore(spec),
        _ => throw new ConfigurationException(spec.File, spec.Line, $"component type '{spec.Type}' is not implemented"),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances.Values)
        {
            if (instance.IsValueCreated) await instance.Value.DisposeAsync();
        }
        _instances.Clear();
    }
}

/// <summary>Name resolution for service invocation: the sidecars running in this process, by app-id.</summary>
public sealed class AppDirectory
{
    private readonly ConcurrentDictionary<string, ImmutableArrayList> _apps = new(StringComparer.OrdinalIgnoreCase);
    private int _next;

    public void Register(SidecarRuntime sidecar) =>
        _apps.AddOrUpdate(sidecar.AppId, _ => new([sidecar]), (_, list) => new([.. list.Items, sidecar]));

    public void Unregister(SidecarRuntime sidecar) =>
        _apps.AddOrUpdate(sidecar.AppId, _ => new([]), (_, list) => new([.. list.Items.Where(s => s != sidecar)]));

    /// <summary>One ready replica of <paramref name="appId"/> (round robin), or null.</summary>
    public SidecarRuntime? Resolve(string appId)
    {
        // "app.namespace" names the app in a namespace; locally there is one namespace.
        var id = appId.Split('.', 2)[0];
        if (!_apps.TryGetValue(id, out var list) || list.Items.Length == 0) return null;
        var ready = list.Items.Where(s => s.HasAppChannel).ToArray();
        var pool = ready.Length > 0 ? ready : list.Items;
        return pool[(int)((uint)Interlocked.Increment(ref _next) % pool.Length)];
    }

    /// <summary>The ready sidecar whose app hosts <paramref name="type"/>; with several, the same one for the same id.</summary>
    public SidecarRuntime? ResolveActor(string type, string id)
    {
        var hosts = _apps.Values.SelectMany(l => l.Items).Where(s => s.Actors?.Hosts(type) == true).OrderBy(s => s.Options.HttpPort).ToArray();
        if (hosts.Length == 0) return null;
        var hash = 0u;
        foreach (var c in id) hash = (hash * 31) + c;
        return hosts[(int)(hash % (uint)hosts.Length)];
    }

    private sealed record ImmutableArrayList(SidecarRuntime[] Items);
}

/// <summary>What the sidecars of one process share.</summary>
public sealed class RuntimeEnvironment(ILoggerFactory loggers, TimeProvider? time = null) : IAsyncDisposable
{
    public ILoggerFactory Loggers { get; } = loggers;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    public AppDirectory Apps { get; } = new();

    public ComponentHost Components { get; } = new(loggers, time ?? TimeProvider.System);

    public ValueTask DisposeAsync() => Components.DisposeAsync();
}
