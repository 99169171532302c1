using System.Collections.Concurrent;
using Dapr.Actors;
using Dapr.Actors.Runtime;

namespace ConformanceApp;

public interface ICounterActor : IActor
{
    Task<int> IncrementAsync(int by);

    Task<int> GetAsync();

    /// <summary>Holds the turn for <paramref name="milliseconds"/> while counting how many calls are inside this actor at once.</summary>
    Task<int> SlowAsync(int milliseconds);

    /// <summary>Calls this same actor again through a proxy (needs reentrancy).</summary>
    Task<int> IncrementTwiceThroughSelfAsync();

    Task RemindAsync(string name, byte[] data, TimeSpan dueTime, TimeSpan period, int repetitions);

    Task ForgetAsync(string name);

    Task TickAsync(string name, TimeSpan dueTime, TimeSpan period);

    Task FailAsync(string message);
}

/// <summary>What actors did, for tests to await on.</summary>
public sealed class ActorLog
{
    private readonly ConcurrentDictionary<string, int> _inside = new();

    public Recorder Events { get; } = new();

    public ConcurrentDictionary<string, int> MaxInside { get; } = new();

    public void Note(string actorId, string what, string detail = "") =>
        Events.Add(new Received("actor", what, detail, actorId, "", "", null, null, null));

    internal IDisposable Enter(string actorId)
    {
        var now = _inside.AddOrUpdate(actorId, 1, (_, n) => n + 1);
        MaxInside.AddOrUpdate(actorId, now, (_, max) => Math.Max(max, now));
        return new Exit(() => _inside.AddOrUpdate(actorId, 0, (_, n) => n - 1));
    }

    private sealed class Exit(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

public sealed class CounterActor(ActorHost host, ActorLog log) : Actor(host), ICounterActor, IRemindable
{
    private const string CountKey = "count";

    public async Task<int> IncrementAsync(int by)
    {
        var count = await StateManager.GetOrAddStateAsync(CountKey, 0) + by;
        await StateManager.SetStateAsync(CountKey, count);
        return count;
    }

    public Task<int> GetAsync() => StateManager.GetOrAddStateAsync(CountKey, 0);

    public async Task<int> SlowAsync(int milliseconds)
    {
        using (log.Enter(Id.GetId()))
        {
            await Task.Delay(milliseconds);
        }
        return log.MaxInside.GetValueOrDefault(Id.GetId());
    }

    public async Task<int> IncrementTwiceThroughSelfAsync()
    {
        await IncrementAsync(1);
        // Saved now, so the re-entrant call (a separate request) reads it through the sidecar.
        await StateManager.SaveStateAsync();
        var self = ProxyFactory.CreateActorProxy<ICounterActor>(Id, nameof(CounterActor));
        return await self.IncrementAsync(1);
    }

    public Task RemindAsync(string name, byte[] data, TimeSpan dueTime, TimeSpan period, int repetitions) =>
        repetitions > 0 ? RegisterReminderAsync(name, data, dueTime, period, repetitions) : RegisterReminderAsync(name, data, dueTime, period);

    public Task ForgetAsync(string name) => UnregisterReminderAsync(name);

    public Task TickAsync(string name, TimeSpan dueTime, TimeSpan period) =>
        RegisterTimerAsync(name, nameof(OnTickAsync), System.Text.Encoding.UTF8.GetBytes(name), dueTime, period);

    public Task OnTickAsync(byte[] data)
    {
        log.Note(Id.GetId(), "timer", System.Text.Encoding.UTF8.GetString(data));
        return Task.CompletedTask;
    }

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        log.Note(Id.GetId(), "reminder", $"{reminderName}:{Convert.ToBase64String(state)}");
        return Task.CompletedTask;
    }

    protected override Task OnDeactivateAsync()
    {
        log.Note(Id.GetId(), "deactivated");
        return Task.CompletedTask;
    }
}
