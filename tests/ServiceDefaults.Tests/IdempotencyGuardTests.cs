using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mtaeda.ServiceDefaults.Tests;

public class IdempotencyGuardTests
{
    private const string Consumer = "maintenance.turnstile-locked";
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 1, 1, 6, 0, 0, TimeSpan.Zero));
    private readonly Mtaeda.Testing.CapturingLoggerProvider logs = new();
    private readonly FakeDaprClient dapr;
    private readonly IdempotencyGuard guard;

    public IdempotencyGuardTests()
        : this(keepsFirstWriteFlag: false)
    {
    }

    /// <param name="keepsFirstWriteFlag">The sidecar's store has state.redis' rule for first-write keys (see <see cref="FakeDaprClient.KeepsFirstWriteFlag"/>).</param>
    protected IdempotencyGuardTests(bool keepsFirstWriteFlag)
    {
        dapr = new FakeDaprClient(clock) { KeepsFirstWriteFlag = keepsFirstWriteFlag };
        guard = NewGuard(new IdempotencyOptions());
    }

    // Bounds every wait on another delivery, so a guard that lets a duplicate in fails instead of hanging.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_deliveries_of_the_same_id_run_the_handler_once()
    {
        var runs = 0;
        Task Handler(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref runs));

        var first = await guard.RunOnceAsync(Consumer, "evt-1", Handler, Ct);
        var second = await guard.RunOnceAsync(Consumer, "evt-1", Handler, Ct);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(1, runs);
        Assert.Equal("done", Marker("evt-1")?.GetProperty("status").GetString());
        Assert.DoesNotContain(logs.Entries, entry => entry.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Different_ids_and_different_consumers_each_run()
    {
        var runs = 0;
        Task Handler(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref runs));

        Assert.True(await guard.RunOnceAsync(Consumer, "evt-1", Handler, Ct));
        Assert.True(await guard.RunOnceAsync(Consumer, "evt-2", Handler, Ct));
        Assert.True(await guard.RunOnceAsync("ridership.turnstile-locked", "evt-1", Handler, Ct));
        Assert.Equal(3, runs);
    }

    [Fact]
    public async Task A_failed_attempt_does_not_stay_marked_so_the_redelivery_runs_again()
    {
        var runs = 0;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => guard.RunOnceAsync(Consumer, "evt-1", _ =>
        {
            runs++;
            throw new InvalidOperationException("work order service down");
        }, Ct));
        Assert.Equal("work order service down", failure.Message);
        Assert.Null(Marker("evt-1"));

        Assert.True(await guard.RunOnceAsync(Consumer, "evt-1", _ => Task.FromResult(++runs), Ct));
        Assert.False(await guard.RunOnceAsync(Consumer, "evt-1", _ => Task.FromResult(++runs), Ct));
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task Concurrent_duplicates_cannot_both_run_the_handler()
    {
        var runs = 0;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Slow(CancellationToken _)
        {
            Interlocked.Increment(ref runs);
            entered.TrySetResult();
            await release.Task;
        }

        var first = guard.RunOnceAsync(Consumer, "evt-1", Slow, Ct);
        await entered.Task.WaitAsync(Patience, Ct);

        // Eight duplicates racing each other while the first is mid-handler: none may run it.
        var duplicates = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => guard.RunOnceAsync(Consumer, "evt-1", Slow, Ct), Ct))
            .ToArray();
        foreach (var duplicate in duplicates)
        {
            var inProgress = await Assert.ThrowsAsync<EventInProgressException>(() => duplicate.WaitAsync(Patience, Ct));
            Assert.Equal("evt-1", inProgress.EventId);
            Assert.Equal(Consumer, inProgress.Consumer);
        }

        release.SetResult();
        Assert.True(await first.WaitAsync(Patience, Ct));
        Assert.False(await guard.RunOnceAsync(Consumer, "evt-1", Slow, Ct));
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task Simultaneous_first_deliveries_elect_exactly_one_runner()
    {
        const int Deliveries = 16;
        var runs = 0;
        var refused = 0;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allOthersRefused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Handler(CancellationToken _)
        {
            Interlocked.Increment(ref runs);
            await allOthersRefused.Task; // the winner holds its claim until every other delivery has been turned away
        }

        async Task<bool?> Deliver()
        {
            await go.Task;
            try
            {
                return await guard.RunOnceAsync(Consumer, "evt-1", Handler, Ct);
            }
            catch (EventInProgressException)
            {
                if (Interlocked.Increment(ref refused) == Deliveries - 1)
                {
                    allOthersRefused.SetResult();
                }

                return null;
            }
        }

        var deliveries = Enumerable.Range(0, Deliveries).Select(_ => Task.Run(Deliver, Ct)).ToArray();
        go.SetResult();
        var outcomes = await Task.WhenAll(deliveries).WaitAsync(Patience, Ct);

        Assert.Equal(1, outcomes.Count(outcome => outcome == true));
        Assert.Equal(Deliveries - 1, outcomes.Count(outcome => outcome is null));
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task The_claim_of_a_delivery_that_died_mid_handler_expires_after_the_lease()
    {
        var (dead, abandoned) = await StartHeldDeliveryAsync("evt-1");

        await Assert.ThrowsAsync<EventInProgressException>(() => guard.RunOnceAsync(Consumer, "evt-1", _ => Task.CompletedTask, Ct).WaitAsync(Patience, Ct));

        clock.Advance(new IdempotencyOptions().InProgressLease + TimeSpan.FromSeconds(1));
        var ran = false;
        Assert.True(await guard.RunOnceAsync(Consumer, "evt-1", _ => Task.FromResult(ran = true), Ct));
        Assert.True(ran);

        // The stale delivery finally fails: it must not delete the marker that is now someone else's.
        abandoned.SetException(new TimeoutException("process was frozen"));
        await Assert.ThrowsAsync<TimeoutException>(() => dead.WaitAsync(Patience, Ct));
        Assert.Equal("done", Marker("evt-1")?.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_delivery_whose_lease_ran_out_leaves_the_claim_of_the_one_that_took_over_alone()
    {
        var (stale, staleGoOn) = await StartHeldDeliveryAsync("evt-1");
        clock.Advance(new IdempotencyOptions().InProgressLease + TimeSpan.FromSeconds(1));
        var (current, currentGoOn) = await StartHeldDeliveryAsync("evt-1");
        var currentClaim = Marker("evt-1")?.GetProperty("claimId").GetString();

        // The stale delivery succeeds now: its "done" must not replace the claim of the delivery still running.
        staleGoOn.SetResult();
        Assert.True(await stale.WaitAsync(Patience, Ct));
        Assert.Equal("processing", Marker("evt-1")?.GetProperty("status").GetString());
        Assert.Equal(currentClaim, Marker("evt-1")?.GetProperty("claimId").GetString());
        var warning = Assert.Single(logs.Entries, entry => entry.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("after its 00:05:00 claim had run out, so this delivery does not mark it processed", warning.Message, StringComparison.Ordinal);

        currentGoOn.SetResult();
        Assert.True(await current.WaitAsync(Patience, Ct));
        Assert.Equal("done", Marker("evt-1")?.GetProperty("status").GetString());
        Assert.Equal(currentClaim, Marker("evt-1")?.GetProperty("claimId").GetString());
    }

    [Fact]
    public async Task Markers_use_first_write_claims_legal_keys_and_the_configured_ttls()
    {
        Assert.True(await guard.RunOnceAsync(Consumer, "evt-1", _ => Task.CompletedTask, Ct));

        var writes = dapr.Writes;
        Assert.Equal(2, writes.Count);
        Assert.All(writes, w => Assert.Equal("statestore", w.Store));
        Assert.All(writes, w => Assert.Equal($"processed:{Consumer}:evt-1", w.Key));
        Assert.Equal(ConcurrencyMode.FirstWrite, writes[0].Concurrency);
        Assert.Equal("300", writes[0].TtlInSeconds);        // in-progress lease: 5 minutes
        Assert.Contains("\"processing\"", writes[0].Json, StringComparison.Ordinal);
        Assert.Null(writes[0].ETag);
        Assert.Equal("604800", writes[1].TtlInSeconds);     // processed retention: 7 days
        Assert.Contains("\"done\"", writes[1].Json, StringComparison.Ordinal);
        // "done" replaces the claim only while it is the claim read back: first-write guarded by the claim's ETag.
        Assert.Equal(ConcurrencyMode.FirstWrite, writes[1].Concurrency);
        Assert.NotNull(writes[1].ETag);
    }

    [Fact]
    public async Task Store_name_and_retention_are_configurable_and_no_retention_means_never_expire()
    {
        var custom = NewGuard(new IdempotencyOptions { StateStoreName = "dedupe", ProcessedRetention = null });

        Assert.True(await custom.RunOnceAsync(Consumer, "evt-1", _ => Task.CompletedTask, Ct));

        Assert.All(dapr.Writes, w => Assert.Equal("dedupe", w.Store));
        Assert.Equal("-1", dapr.Writes[^1].TtlInSeconds);
    }

    [Theory]
    [InlineData("a||b", "evt||1", "processed:a%7C%7Cb:evt%7C%7C1")]
    [InlineData("stations:sync", "urn:uuid:1", "processed:stations%3Async:urn%3Auuid%3A1")]
    [InlineData("c", "5f0c2a1e-9d6b-4a57-8d0e-2f3c1f7b9a10", "processed:c:5f0c2a1e-9d6b-4a57-8d0e-2f3c1f7b9a10")]
    public async Task Keys_never_contain_the_separator_Dapr_refuses_and_stay_unambiguous(string consumer, string eventId, string expected)
    {
        Assert.Equal(expected, IdempotencyGuard.StateKey(consumer, eventId));
        // The fake refuses "||" exactly as daprd does, so this goes through only with a legal key.
        Assert.True(await guard.RunOnceAsync(consumer, eventId, _ => Task.CompletedTask, Ct));
        Assert.False(await guard.RunOnceAsync(consumer, eventId, _ => Task.CompletedTask, Ct));
    }

    [Fact]
    public async Task A_failing_store_is_not_mistaken_for_a_duplicate()
    {
        dapr.FailSave = _ => true;
        var ran = false;

        await Assert.ThrowsAsync<DaprException>(() => guard.RunOnceAsync(Consumer, "evt-1", _ => Task.FromResult(ran = true), Ct));

        Assert.False(ran);
    }

    [Fact]
    public async Task Failing_to_record_done_does_not_fail_a_delivery_whose_effects_are_done()
    {
        dapr.FailSave = write => write.Json.Contains("\"done\"", StringComparison.Ordinal);
        var runs = 0;

        Assert.True(await guard.RunOnceAsync(Consumer, "evt-1", _ => Task.FromResult(++runs), Ct));

        Assert.Equal(1, runs);
        // The claim stays until its lease ends, so an immediate duplicate is still held off.
        await Assert.ThrowsAsync<EventInProgressException>(() => guard.RunOnceAsync(Consumer, "evt-1", _ => Task.FromResult(++runs), Ct));
    }

    [Fact]
    public async Task The_handler_gets_the_cancellation_token()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        CancellationToken seen = default;

        await guard.RunOnceAsync(Consumer, "evt-1", token =>
        {
            seen = token;
            return Task.CompletedTask;
        }, cts.Token);

        Assert.Equal(cts.Token, seen);
    }

    /// <summary>Starts a delivery of <paramref name="eventId"/> and waits until its handler runs; the handler then waits for <c>Finish</c>.</summary>
    private async Task<(Task<bool> Delivery, TaskCompletionSource Finish)> StartHeldDeliveryAsync(string eventId)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivery = guard.RunOnceAsync(Consumer, eventId, async _ =>
        {
            entered.TrySetResult();
            await finish.Task;
        }, Ct);
        await entered.Task.WaitAsync(Patience, Ct);
        return (delivery, finish);
    }

    private IdempotencyGuard NewGuard(IdempotencyOptions options) =>
        new(dapr, Options.Create(options), clock, new Logger<IdempotencyGuard>(new LoggerFactory([logs])));

    private System.Text.Json.JsonElement? Marker(string eventId, string store = "statestore") =>
        dapr.Read(store, IdempotencyGuard.StateKey(Consumer, eventId));
}
