using System.Text;
using ConformanceApp;
using Dapr.Actors;
using Dapr.Actors.Client;

namespace LocalDapr.Tests;

/// <summary>Runs on both backends: <see cref="ActorConformanceTests_InMemory"/> and <see cref="ActorConformanceTests_Redis"/>.</summary>
public abstract class ActorConformanceTests
{
    /// <summary>The backend this run of the suite uses.</summary>
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConformanceOptions Actors(ActorLog? log = null, bool reentrancy = false, TimeSpan? idle = null) =>
        new() { Actors = true, Reentrancy = reentrancy, ActorIdleTimeout = idle, ActorLog = log ?? new ActorLog() };

    private static ICounterActor Proxy(Node via, string id) =>
        ActorProxy.Create<ICounterActor>(new ActorId(id), nameof(CounterActor), new ActorProxyOptions { HttpEndpoint = via.HttpEndpoint });

    [Fact]
    public async Task A_remoting_proxy_call_reaches_the_hosting_app_and_its_state_is_kept_under_daprs_key_layout()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors());
        var caller = await harness.AddAsync("caller", withApp: false);

        Assert.Equal(2, await Proxy(caller, "ts-1").IncrementAsync(2));
        Assert.Equal(5, await Proxy(caller, "ts-1").IncrementAsync(3));
        Assert.Equal(0, await Proxy(caller, "ts-2").GetAsync());

        var stored = await host.Sidecar.Runtime.Store("statestore").Store.GetAsync("equipment||CounterActor||ts-1||count", Ct);
        Assert.Equal("5", Encoding.UTF8.GetString(stored!.Value));
    }

    [Fact]
    public async Task A_non_remoting_proxy_call_sends_and_returns_json()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors());
        var proxy = ActorProxy.Create(new ActorId("json-1"), nameof(CounterActor), new ActorProxyOptions { HttpEndpoint = host.HttpEndpoint });

        Assert.Equal(4, await proxy.InvokeMethodAsync<int, int>(nameof(ICounterActor.IncrementAsync), 4, Ct));
        Assert.Equal(4, await proxy.InvokeMethodAsync<int>(nameof(ICounterActor.GetAsync), Ct));
    }

    [Fact]
    public async Task Calls_to_one_actor_take_turns_while_different_actors_run_side_by_side()
    {
        var log = new ActorLog();
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors(log));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Proxy(host, "single").SlowAsync(40)));
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Proxy(host, $"many-{i}").SlowAsync(200)));

        Assert.Equal(1, log.MaxInside["single"]);
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal(1, log.MaxInside[$"many-{i}"]));
        Assert.Equal(6, log.MaxInside.Keys.Count(k => k.StartsWith("many-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_reentrancy_an_actor_may_call_itself()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors(reentrancy: true));

        var result = await Proxy(host, "self").IncrementTwiceThroughSelfAsync().WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(2, result);
    }

    [Fact]
    public async Task A_reminder_fires_with_its_data_for_its_repetitions_then_stops()
    {
        var log = new ActorLog();
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors(log));

        // The SDK sends a period with repetitions in ISO 8601 (R2/PT1S), which it allows only in whole seconds.
        await Proxy(host, "r1").RemindAsync("tick", [1, 2, 3], TimeSpan.Zero, TimeSpan.FromSeconds(1), repetitions: 2);

        var fired = await log.Events.WaitForAsync(r => r.Count(x => x.Topic == "reminder") >= 2, what: "two reminders");
        Assert.All(fired.Where(x => x.Topic == "reminder"), x => Assert.Equal("tick:AQID", x.Route));
        // Once the repetitions are used up the reminder is gone from the store.
        var store = host.Sidecar.Runtime.Store("statestore").Store;
        await Eventually.UntilAsync(async () => await store.GetAsync("actors||CounterActor||r1||reminder||tick", Ct) is null, "the reminder to be deleted", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(2, log.Events.Snapshot().Count(x => x.Topic == "reminder"));
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_fires_after_it()
    {
        var log = new ActorLog();
        await using var harness = Harness.Create(backend: Backend);
        var first = await harness.AddAsync("equipment", options: Actors(log));
        await Proxy(first, "durable").RemindAsync("wake", [42], TimeSpan.FromSeconds(1), TimeSpan.Zero, repetitions: 0);

        // The sidecar and the app both stop before the reminder is due; the store keeps it.
        await first.DisposeAsync();
        Assert.DoesNotContain(log.Events.Snapshot(), x => x.Topic == "reminder");
        await harness.AddAsync("equipment", options: Actors(log));

        var fired = await log.Events.WaitForAsync(r => r.Any(x => x.Topic == "reminder"), TimeSpan.FromSeconds(20), "the reminder after the restart");
        Assert.Equal("wake:Kg==", fired.Single(x => x.Topic == "reminder").Route);
    }

    [Fact]
    public async Task An_unregistered_reminder_does_not_fire()
    {
        var log = new ActorLog();
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors(log));
        var actor = Proxy(host, "r2");

        // Due in 1s: long enough for the unregistering to land first even on a loaded machine.
        await actor.RemindAsync("never", [1], TimeSpan.FromSeconds(1), TimeSpan.Zero, 0);
        await actor.ForgetAsync("never");
        await actor.RemindAsync("marker", [2], TimeSpan.FromMilliseconds(1300), TimeSpan.Zero, 0);

        await log.Events.WaitForAsync(r => r.Any(x => x.Route.StartsWith("marker", StringComparison.Ordinal)));
        Assert.DoesNotContain(log.Events.Snapshot(), x => x.Route.StartsWith("never", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timer_calls_its_callback_in_the_actor()
    {
        var log = new ActorLog();
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors(log));

        await Proxy(host, "t1").TickAsync("heartbeat", TimeSpan.Zero, TimeSpan.FromMilliseconds(50));

        var ticks = await log.Events.WaitForAsync(r => r.Count(x => x.Topic == "timer") >= 2);
        Assert.All(ticks.Where(x => x.Topic == "timer"), x => Assert.Equal("heartbeat", x.Route));
    }

    [Fact]
    public async Task An_idle_actor_is_deactivated()
    {
        var log = new ActorLog();
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors(log, idle: TimeSpan.FromMilliseconds(300)));

        await Proxy(host, "idle").IncrementAsync(1);

        await log.Events.WaitForAsync(r => r.Any(x => x.Topic == "deactivated" && x.EventId == "idle"), TimeSpan.FromSeconds(10), "deactivation");
    }

    [Fact]
    public async Task An_exception_in_the_actor_reaches_the_caller()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors());

        var e = await Assert.ThrowsAnyAsync<Exception>(() => Proxy(host, "boom").FailAsync("jammed"));

        Assert.Contains("jammed", e.ToString());
    }

    [Fact]
    public async Task Calling_an_actor_type_no_app_hosts_is_refused_as_daprd_does()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        using var http = Http.Client();

        using var response = await http.PutAsync($"{caller.HttpEndpoint}/v1.0/actors/Nope/1/method/Do", new StringContent("{}"), Ct);

        Assert.EndsWith("did not find address for actor 'Nope/1'", await response.AssertDaprErrorAsync(HttpStatusCode.InternalServerError, "ERR_ACTOR_INVOKE_METHOD"));
    }

    [Fact]
    public async Task A_reminder_with_an_unparseable_period_is_refused()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors());
        using var http = Http.Client();

        using var response = await http.PutAsync($"{host.HttpEndpoint}/v1.0/actors/CounterActor/x/reminders/r",
            new StringContent("""{"dueTime":"1s","period":"banana"}""", Encoding.UTF8, "application/json"), Ct);

        await response.AssertDaprErrorAsync(HttpStatusCode.InternalServerError, "ERR_ACTOR_REMINDER_CREATE", "error creating actor reminder: error parsing reminder period: unsupported duration format \"banana\"");
    }

    [Fact]
    public async Task Reminders_accept_go_iso_and_rfc3339_times_and_echo_what_was_registered()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors());
        using var http = Http.Client();
        var at = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (name, body) in new[]
        {
            ("go", """{"dueTime":"1h2m3s","period":"0h1m0s0ms","data":"AQID"}"""),
            ("iso", """{"dueTime":"PT1H","period":"R5/PT1M30S","data":"AQID"}"""),
            ("rfc", $$"""{"dueTime":"{{at}}","period":"","data":"AQID"}"""),
        })
        {
            using var put = await http.PutAsync($"{host.HttpEndpoint}/v1.0/actors/CounterActor/times/reminders/{name}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
            using var got = JsonDocument.Parse(await http.GetStringAsync($"{host.HttpEndpoint}/v1.0/actors/CounterActor/times/reminders/{name}", Ct));
            Assert.Equal("AQID", got.RootElement.GetProperty("data").GetString());
            Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("period").GetString(), got.RootElement.GetProperty("period").GetString());
        }
    }

    [Fact]
    public async Task Metadata_lists_the_hosted_actor_types()
    {
        await using var harness = Harness.Create(backend: Backend);
        var host = await harness.AddAsync("equipment", options: Actors());
        await Proxy(host, "m").IncrementAsync(1);

        var metadata = await host.Client.GetMetadataAsync(Ct);

        Assert.Contains(metadata.Actors, a => a.Type == nameof(CounterActor) && a.Count == 1);
    }
}

public sealed class ActorConformanceTests_InMemory : ActorConformanceTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class ActorConformanceTests_Redis(RedisFixture redis) : ActorConformanceTests
{
    protected override Backend Backend => redis.Backend;
}
