using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Serialization;
using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Microsoft.Extensions.Time.Testing;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Domain;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;

namespace Mtaeda.Equipment.Tests.Support;

/// <summary>
/// Equipment's actors in the test process, made with <see cref="ActorHost.CreateForTest{TActor}(ActorTestOptions)"/>, and
/// an <see cref="IActorProxyFactory"/> over them that behaves like the runtime where it matters: one turn at a time per
/// actor, state saved at the end of a successful turn and dropped after a failed one, arguments and answers passed
/// through the DataContract serializer that Dapr remoting uses.
/// </summary>
public sealed class ActorWorld : IActorProxyFactory, IDisposable
{
    private readonly ConcurrentDictionary<(string Type, string Id), Activation> _actors = new();
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();

    public ActorWorld(DateTimeOffset? start = null)
    {
        Clock = new FakeTimeProvider(start ?? DefaultStart);
    }

    /// <summary>Where the world's clock starts unless told otherwise.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2025, 3, 14, 8, 30, 0, TimeSpan.Zero);

    /// <summary>The actors' clock; the test moves it.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>Equipment's settings the turnstile actors are made with.</summary>
    public EquipmentOptions Options { get; set; } = new();

    /// <summary>Takes an actor's turn and keeps it until the result is disposed: calls to the actor wait meanwhile.</summary>
    public async Task<IDisposable> HoldTurnAsync(string type, string id)
    {
        var activation = Activate(type, id);
        await activation.Turn.WaitAsync();
        return new Release(activation.Turn);
    }

    /// <summary>How many calls wait for the actor's turn now.</summary>
    public int Waiting(string type, string id) => Volatile.Read(ref Activate(type, id).Waiters);

    private sealed class Release(SemaphoreSlim turn) : IDisposable
    {
        public void Dispose() => turn.Release();
    }

    /// <summary>The facade the API and the handlers use, over this world.</summary>
    public EquipmentActors Equipment => new(this);

    public ITurnstileActor Turnstile(string id) => CreateActorProxy<ITurnstileActor>(new ActorId(id), TurnstileActor.TypeName);

    public ICameraActor Camera(string id) => CreateActorProxy<ICameraActor>(new ActorId(id), CameraActor.TypeName);

    public IStationEquipmentActor Station(string id) => CreateActorProxy<IStationEquipmentActor>(new ActorId(id), StationEquipmentActor.TypeName);

    /// <summary>The state manager of an actor (created on first use).</summary>
    public InMemoryActorStateManager State(string type, string id) => Activate(type, id).State;

    /// <summary>What the actor's outbox holds, as saved.</summary>
    public IReadOnlyList<OutboxEntry> Outbox(string type, string id) => State(type, id).Stored<List<OutboxEntry>>("outbox") ?? [];

    /// <summary>Deactivates an actor: the next call makes a new instance that reads its state back from the store.</summary>
    public void Deactivate(string type, string id)
    {
        if (_actors.TryGetValue((type, id), out var activation)) activation.Instance = null;
    }

    public TActorInterface CreateActorProxy<TActorInterface>(ActorId actorId, string actorType, ActorProxyOptions? options = null)
        where TActorInterface : IActor
    {
        var proxy = DispatchProxy.Create<TActorInterface, TurnProxy>();
        ((TurnProxy)(object)proxy).Activation = Activate(actorType, actorId.GetId());
        return proxy;
    }

    public object CreateActorProxy(ActorId actorId, Type actorInterfaceType, string actorType, ActorProxyOptions? options = null) =>
        throw new NotSupportedException();

    public ActorProxy Create(ActorId actorId, string actorType, ActorProxyOptions? options = null) => throw new NotSupportedException();

    public void Dispose() => _dapr.Dispose();

    private Activation Activate(string type, string id) => _actors.GetOrAdd((type, id), key => new Activation(this, key.Type, key.Id));

    internal Actor NewInstance(string type, string id, InMemoryActorStateManager state)
    {
        var options = new ActorTestOptions { ActorId = new ActorId(id), ProxyFactory = this };
        return type switch
        {
            TurnstileActor.TypeName => new TurnstileActor(ActorHost.CreateForTest<TurnstileActor>(options), _dapr, Clock, Options, state),
            CameraActor.TypeName => new CameraActor(ActorHost.CreateForTest<CameraActor>(options), _dapr, Clock, state),
            StationEquipmentActor.TypeName => new StationEquipmentActor(ActorHost.CreateForTest<StationEquipmentActor>(options), state),
            _ => throw new InvalidOperationException($"no actor type {type}"),
        };
    }

    internal sealed class Activation(ActorWorld world, string type, string id)
    {
        public InMemoryActorStateManager State { get; } = new();

        public SemaphoreSlim Turn { get; } = new(1, 1);

        public int Waiters;

        public Actor? Instance { get; set; }

        public Actor Current => Instance ??= world.NewInstance(type, id, State);
    }
}

/// <summary>A remoting proxy stand-in: each call is one turn of the target actor.</summary>
public class TurnProxy : DispatchProxy
{
    private static readonly MethodInfo CallOfT = typeof(TurnProxy).GetMethod(nameof(CallAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo CallVoid = typeof(TurnProxy).GetMethod(nameof(CallVoidAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    internal ActorWorld.Activation Activation { get; set; } = null!;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var parameters = targetMethod.GetParameters();
        var copied = (args ?? []).Select((arg, i) => Remoting.RoundTrip(arg, parameters[i].ParameterType)).ToArray();
        if (targetMethod.ReturnType == typeof(Task)) return CallVoid.Invoke(this, [targetMethod, copied]);
        var result = targetMethod.ReturnType.GetGenericArguments()[0];
        return CallOfT.MakeGenericMethod(result).Invoke(this, [targetMethod, copied]);
    }

    private async Task<T> CallAsync<T>(MethodInfo method, object?[] args)
    {
        T result = default!;
        await TurnAsync(async actor => result = await (Task<T>)method.Invoke(actor, args)!);
        return (T)Remoting.RoundTrip(result, typeof(T))!;
    }

    private Task CallVoidAsync(MethodInfo method, object?[] args) => TurnAsync(actor => (Task)method.Invoke(actor, args)!);

    private async Task TurnAsync(Func<Actor, Task> call)
    {
        Interlocked.Increment(ref Activation.Waiters);
        try
        {
            await Activation.Turn.WaitAsync();
        }
        finally
        {
            Interlocked.Decrement(ref Activation.Waiters);
        }
        try
        {
            try
            {
                await call(Activation.Current);
            }
            catch
            {
                await Activation.State.ClearCacheAsync();
                throw;
            }
            await Activation.State.SaveStateAsync();
        }
        finally
        {
            Activation.Turn.Release();
        }
    }
}

/// <summary>The serializer Dapr remoting uses by default.</summary>
public static class Remoting
{
    public static object? RoundTrip(object? value, Type type)
    {
        if (value is null) return null;
        var serializer = new DataContractSerializer(type);
        using var stream = new MemoryStream();
        serializer.WriteObject(stream, value);
        stream.Position = 0;
        return serializer.ReadObject(stream);
    }
}
