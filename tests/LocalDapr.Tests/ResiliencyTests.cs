using ConformanceApp;
using LocalDapr.Resiliency;

namespace LocalDapr.Tests;

/// <summary>The Dapr <c>Resiliency</c> resource applied to delivery, publishing, invocation and actors.</summary>
public sealed class ResiliencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static string Components(string resiliency) => Harness.DefaultComponents + "\n---\n" + resiliency;

    /// <summary>As above, with a Resiliency resource named <paramref name="name"/> whose spec is <paramref name="spec"/> (YAML).</summary>
    internal static string Components(string name, string spec) => Components($"""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: {name}
        spec:
        {string.Join('\n', spec.Split('\n').Select(line => line.Length == 0 ? line : "  " + line))}
        """);

    [Fact]
    public async Task An_inbound_retry_policy_decides_how_often_delivery_is_retried_before_the_dead_letter_topic()
    {
        await using var harness = Harness.Create(Components("delivery", """
            policies:
              retries:
                fiveTimes:
                  policy: constant
                  duration: 10ms
                  maxRetries: 5
            targets:
              components:
                pubsub:
                  inbound:
                    retry: fiveTimes
            """));
        var node = await harness.AddAsync("poisoned");

        await node.Client.PublishEventAsync("pubsub", "poison", new Order(1, "fail"), Ct);

        var dead = await node.Recorder.WaitForAsync(r => r.Any(x => x.Topic == "poison-dead"));
        // One delivery and the policy's five retries (the component's own backOffMaxRetries of 3 is overridden).
        Assert.Equal(6, node.Recorder.Attempts("poison/1"));
        Assert.Equal(dead.First(x => x.Topic == "poison").EventId, dead.Single(x => x.Topic == "poison-dead").EventId);
    }

    [Fact]
    public async Task An_inbound_circuit_breaker_opens_after_consecutive_failures_and_closes_after_a_successful_trial()
    {
        await using var harness = Harness.Create(Components("delivery", """
            policies:
              retries:
                patient:
                  policy: constant
                  duration: 20ms
                  maxRetries: 100
              circuitBreakers:
                shortFuse:
                  maxRequests: 1
                  timeout: 600ms
                  trip: consecutiveFailures > 2
            targets:
              components:
                pubsub:
                  inbound:
                    retry: patient
                    circuitBreaker: shortFuse
            """));
        var node = await harness.AddAsync("breaker");

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1, "retry:3"), Ct);
        await node.Client.PublishEventAsync("pubsub", "orders", new Order(2), Ct);

        var received = await node.Recorder.WaitForAsync(r => r.Any(x => x.Order!.N == 2), TimeSpan.FromSeconds(20));
        var attempts = received.Where(x => x.Order!.N == 1).ToList();
        // Three failures trip the breaker (> 2); while it is open no delivery reaches the app, even though the retry
        // policy keeps trying every 20 ms; after 600 ms one trial goes through, succeeds, and closes it.
        Assert.Equal(4, attempts.Count);
        Assert.True(attempts[3].At - attempts[2].At >= TimeSpan.FromMilliseconds(500), $"the trial came {(attempts[3].At - attempts[2].At).TotalMilliseconds} ms after the third failure");
        Assert.True(received.Single(x => x.Order!.N == 2).At - attempts[3].At < TimeSpan.FromMilliseconds(500), "the closed breaker lets the next event through at once");
    }

    [Fact]
    public async Task An_app_timeout_cuts_a_slow_invocation_short()
    {
        await using var harness = Harness.Create(Components("""
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: calls
            scopes: [caller]
            spec:
              policies:
                timeouts:
                  quick: 200ms
              targets:
                apps:
                  callee:
                    timeout: quick
            """));
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("callee");
        using var http = Http.Client();

        var started = DateTimeOffset.UtcNow;
        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/callee/method/slow/5000", Ct);

        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(3));
        Assert.Contains("timeout", await response.AssertDaprErrorAsync(HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE"), StringComparison.Ordinal);
        using var fast = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/callee/method/slow/1", Ct);
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
    }

    [Fact]
    public async Task App_retries_carry_an_invocation_over_a_callee_that_is_not_listening_yet()
    {
        await using var harness = Harness.Create(Components("calls", """
            policies:
              retries:
                untilUp:
                  policy: constant
                  duration: 50ms
                  maxRetries: 200
            targets:
              apps:
                late:
                  retry: untilUp
            """));
        var caller = await harness.AddAsync("caller", withApp: false);
        var port = Sidecar.Sidecar.FreePort();
        await using var sidecar = await Sidecar.Sidecar.StartAsync(new Sidecar.SidecarOptions { AppId = "late", AppPort = port, ResourcesPaths = [harness.ComponentsDir] }, harness.Env, Ct);
        using var http = Http.Client();

        var call = http.PostAsync($"{caller.HttpEndpoint}/v1.0/invoke/late/method/echo/x", new StringContent("body kept"), Ct);
        var app = ConformanceHost.Build(port, false, new Recorder());
        await app.StartAsync(Ct);
        using var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("body kept", echo.RootElement.GetProperty("body").GetString());
        await app.StopAsync(Ct);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task An_app_circuit_breaker_refuses_calls_while_open()
    {
        await using var harness = Harness.Create(Components("calls", """
            policies:
              circuitBreakers:
                fuse:
                  timeout: 30s
                  trip: consecutiveFailures >= 2
            targets:
              apps:
                absent:
                  circuitBreaker: fuse
            """));
        var caller = await harness.AddAsync("caller", withApp: false);
        await using var sidecar = await Sidecar.Sidecar.StartAsync(new Sidecar.SidecarOptions { AppId = "absent", AppPort = Sidecar.Sidecar.FreePort(), ResourcesPaths = [harness.ComponentsDir] }, harness.Env, Ct);
        using var http = Http.Client();

        var messages = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/absent/method/echo", Ct);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            messages.Add(body.RootElement.GetProperty("message").GetString()!);
        }

        Assert.DoesNotContain("circuit breaker is open", messages[0]);
        Assert.DoesNotContain("circuit breaker is open", messages[1]);
        Assert.Equal("failed to invoke, id: absent, err: circuit breaker is open", messages[2]);
        Assert.Equal(CircuitBreaker.State.Open, caller.Sidecar.Runtime.AppPolicy("absent").Breaker!.Current);
    }

    [Fact]
    public async Task An_actor_timeout_applies_to_actor_calls()
    {
        await using var harness = Harness.Create(Components("actors", """
            policies:
              timeouts:
                brief: 300ms
            targets:
              actors:
                CounterActor:
                  timeout: brief
            """));
        var host = await harness.AddAsync("equipment", options: new ConformanceOptions { Actors = true });
        using var http = Http.Client();

        var started = DateTimeOffset.UtcNow;
        using var slow = await http.PutAsync($"{host.HttpEndpoint}/v1.0/actors/CounterActor/a1/method/SlowAsync", new StringContent("5000"), Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, slow.StatusCode);
        Assert.Contains("timeout", await slow.Content.ReadAsStringAsync(Ct));
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData("trip: requests > 3", "trip 'requests > 3' is not supported")]
    [InlineData("timeout: soon", "is not a duration")]
    public void Bad_policies_are_refused_with_file_and_line(string line, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("resiliency-").FullName;
        var path = Path.Combine(dir, "resiliency.yaml");
        File.WriteAllText(path, $"""
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: bad
            spec:
              policies:
                circuitBreakers:
                  cb:
                    {line}
            """);
        try
        {
            var e = Assert.Throws<Configuration.ConfigurationException>(() => Configuration.ResourceLoader.Load([dir], "x"));
            Assert.StartsWith(path + ":", e.Message);
            Assert.Contains(expected, e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
