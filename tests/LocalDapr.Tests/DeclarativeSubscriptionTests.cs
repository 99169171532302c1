using ConformanceApp;

namespace LocalDapr.Tests;

/// <summary><c>Subscription</c> resources in the resources path, beside the app's programmatic subscriptions.</summary>
public sealed class DeclarativeSubscriptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Declared = """
        apiVersion: dapr.io/v2alpha1
        kind: Subscription
        metadata:
          name: declared-orders
        spec:
          pubsubname: pubsub
          topic: declared
          routes:
            rules:
            - match: event.type == "vip"
              path: /routed-vip
            default: /orders
          deadLetterTopic: poison-dead
        scopes:
        - listener
        """;

    [Fact]
    public async Task A_declarative_subscription_delivers_to_its_routes_for_the_apps_in_scope_only()
    {
        await using var harness = Harness.Create(Harness.DefaultComponents + "\n---\n" + Declared);
        var listener = await harness.AddAsync("listener");
        var outsider = await harness.AddAsync("outsider");

        await listener.Client.PublishEventAsync("pubsub", "declared", new Order(1), Ct);
        await listener.Client.PublishEventAsync("pubsub", "declared", new Order(2), new Dictionary<string, string> { ["cloudevent.type"] = "vip" }, Ct);
        await listener.Client.PublishEventAsync("pubsub", "orders", new Order(3), Ct);

        var received = await listener.Recorder.WaitForAsync(r => r.Count == 3);
        Assert.Equal("orders", received.Single(r => r.Order!.N == 1).Route);
        Assert.Equal("vip", received.Single(r => r.Order!.N == 2).Route);
        // The outsider has only its programmatic subscriptions: it gets "orders" but not "declared".
        var other = await outsider.Recorder.WaitForAsync(r => r.Any(x => x.Order!.N == 3));
        Assert.DoesNotContain(other, r => r.Order!.N is 1 or 2);

        using var http = Http.Client();
        using var metadata = JsonDocument.Parse(await http.GetStringAsync($"{listener.HttpEndpoint}/v1.0/metadata", Ct));
        Assert.Contains(metadata.RootElement.GetProperty("subscriptions").EnumerateArray(),
            s => s.GetProperty("topic").GetString() == "declared" && s.GetProperty("type").GetString() == "DECLARATIVE" && s.GetProperty("deadLetterTopic").GetString() == "poison-dead");
    }

    [Fact]
    public void A_declarative_subscription_without_a_route_is_refused_with_its_line()
    {
        var dir = Directory.CreateTempSubdirectory("subscriptions-").FullName;
        var path = Path.Combine(dir, "sub.yaml");
        File.WriteAllText(path, "apiVersion: dapr.io/v2alpha1\nkind: Subscription\nmetadata:\n  name: s\nspec:\n  pubsubname: pubsub\n  topic: t\n");
        try
        {
            var e = Assert.Throws<Configuration.ConfigurationException>(() => Configuration.ResourceLoader.Load([dir], "x"));
            Assert.Equal($"{path}:6: subscription 's' has neither 'routes' nor 'route'", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
