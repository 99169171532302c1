using ConformanceApp;

namespace LocalDapr.Tests;

/// <summary>
/// daprd sends a message to its dead-letter topic through the ordinary publish path, which checks the component's topic
/// scopes: an app that may not publish to the dead-letter topic cannot dead-letter into it (dapr/dapr
/// <c>subscription.sendToDeadLetter</c> → <c>publisher.Publish</c> → <c>IsOperationAllowed</c>). Runs on both backends.
/// </summary>
public abstract class DeadLetterScopeTests
{
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_dead_letter_topic_outside_the_apps_publishing_scopes_is_refused_as_daprd_refuses_it()
    {
        await using var harness = Harness.Create(
            Harness.Component("pubsub", "pubsub.in-memory", ("backOffDuration", "10ms"), ("backOffMaxRetries", "3"), ("publishingScopes", "dropper=poison")), backend: Backend);
        var node = await harness.AddAsync("dropper");

        await node.Client.PublishEventAsync("pubsub", "poison", new Order(5, "drop"), Ct);

        const string refused = "error sending message to dead letter, origin topic: poison dead letter topic poison-dead err: topic poison-dead is not allowed for app id dropper";
        await Eventually.UntilAsync(() => harness.Logs.Entries.Any(e => e.Message.Contains(refused, StringComparison.Ordinal)), "the refused dead-letter publish", cancellationToken: Ct);
        Assert.DoesNotContain(node.Recorder.Snapshot(), r => r.Topic == "poison-dead");
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Message.Contains("went to dead-letter topic", StringComparison.Ordinal));
    }
}

public sealed class DeadLetterScopeTests_InMemory : DeadLetterScopeTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class DeadLetterScopeTests_Redis(RedisFixture redis) : DeadLetterScopeTests
{
    protected override Backend Backend => redis.Backend;
}
