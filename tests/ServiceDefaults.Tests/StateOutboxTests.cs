using Dapr.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Testing;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// The outbox of a service whose state is in a state store (<see cref="StateOutbox"/>), against a local sidecar: the
/// event is written in the change's transaction, published after it with the id it was written with, and what a crash
/// left behind is published by the sweep; publishing stops at the first failure so nothing overtakes it.
/// </summary>
public sealed class StateOutboxTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly StateOutboxOptions Options = new("statestore", TimeSpan.FromMinutes(5));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // An observer of the stations topic, and a sidecar (no app) whose client the outbox writes and publishes with.
    private static async Task<(Observer Observer, DaprClient Dapr, StateOutbox Outbox)> StartAsync(LocalRuntime runtime)
    {
        var observer = await runtime.ObserveAsync("observer", [Topics.Stations], Ct);
        var node = await runtime.StartSidecarAsync("outbox-app", Ct);
        return (observer, node.Client, new StateOutbox(node.Client, Options, NullLogger<StateOutbox>.Instance));
    }

    private static OutboxEntry Registered(string id) =>
        OutboxEntry.Of(new StationRegistered { StationId = id, Name = "Central Square" }, "registered-" + id, id);

    // A change of one key and its event, in one transaction, as a service writes them.
    private static async Task CommitAsync(DaprClient dapr, StateOutbox outbox, string key, OutboxEntry entry) =>
        Assert.True(await dapr.TryCommitAsync(Options.StoreName,
            [new StateWrite(key, StateTransactions.Json(entry.Id), null), outbox.Append(await outbox.ReadAsync(Ct), entry)], Ct));

    [Fact]
    public async Task An_event_written_with_its_change_is_published_after_the_commit_with_its_id_and_subject_and_leaves_the_outbox()
    {
        await using var runtime = LocalRuntime.Create();
        var (observer, dapr, outbox) = await StartAsync(runtime);
        var entry = Registered("stn-1");

        await CommitAsync(dapr, outbox, "station|stn-1", entry);
        Assert.Equal([entry], (await outbox.ReadAsync(Ct)).Entries);
        await outbox.PublishAsync([entry], Ct);

        var published = await observer.WaitForAsync(e => e.Id == entry.Id, Patience, Ct);
        Assert.Equal((EventType.Of<StationRegistered>(), "stn-1"), (published.Type, published.Subject));
        Assert.Empty((await outbox.ReadAsync(Ct)).Entries!);
    }

    [Fact]
    public async Task What_a_crash_left_in_the_outbox_is_published_by_the_sweep_in_the_order_written()
    {
        await using var runtime = LocalRuntime.Create();
        var (observer, dapr, outbox) = await StartAsync(runtime);
        // Two changes committed, and the process gone before either was published.
        await CommitAsync(dapr, outbox, "station|stn-1", Registered("stn-1"));
        await CommitAsync(dapr, outbox, "station|stn-2", Registered("stn-2"));

        using var sweep = new OutboxSweep(outbox, Options, dapr, NullLogger<OutboxSweep>.Instance);
        await sweep.StartAsync(Ct);

        var events = await observer.WaitUntilAsync(e => e.Count >= 2, "both stranded events", Patience, Ct);
        Assert.Equal(["registered-stn-1", "registered-stn-2"], events.Select(e => e.Id));
        await Eventually.UntilAsync(async () => (await outbox.ReadAsync(Ct)).Entries is [], "the outbox is empty", cancellationToken: Ct);
        await sweep.StopAsync(Ct);
    }

    [Fact]
    public async Task Publishing_stops_at_the_first_failure_and_answers_it_leaving_the_rest_unpublished()
    {
        OutboxEntry first = Registered("stn-1"), second = Registered("stn-2"), third = Registered("stn-3");
        var published = new HashSet<string>(StringComparer.Ordinal) { first.Id };
        var attempted = new List<string>();

        var failed = await OutboxPublishing.PublishInOrderAsync([first, second, third], published, (entry, _) =>
        {
            attempted.Add(entry.Id);
            return entry == second ? throw new HttpRequestException("sidecar unreachable") : Task.CompletedTask;
        }, Ct);

        Assert.Equal(second, failed?.Entry);
        Assert.IsType<HttpRequestException>(failed?.Error);
        Assert.Equal([second.Id], attempted);
        Assert.Equal([first.Id], published);
    }
}
