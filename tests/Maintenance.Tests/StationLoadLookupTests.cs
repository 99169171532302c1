using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Maintenance.Infrastructure;
using RidershipClient = Mtaeda.Contracts.Ridership.V1.Ridership.RidershipClient;

namespace Mtaeda.Maintenance.Tests;

/// <summary>How busy a station is: asked of ridership, and kept for a while so that a burst of faults asks once.</summary>
public sealed class StationLoadLookupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_load_ridership_told_ranks_the_stations_next_faults_until_it_is_no_longer_fresh()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var ridership = new CountingRidership { Entries = 3_000 };
        var lookup = new StationLoadLookup(ridership, new MaintenanceOptions { StationLoadFreshFor = TimeSpan.FromSeconds(30) }, clock, NullLogger<StationLoadLookup>.Instance);

        Assert.Equal(StationLoad.Busy, await lookup.LoadOfAsync("stn-001", Ct));
        ridership.Entries = 0;
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(StationLoad.Busy, await lookup.LoadOfAsync("stn-001", Ct));
        Assert.Equal(1, ridership.Calls);

        // Another station is asked on its own; the first is asked again once its figure is 30 s old.
        Assert.Equal(StationLoad.Quiet, await lookup.LoadOfAsync("stn-002", Ct));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(StationLoad.Quiet, await lookup.LoadOfAsync("stn-001", Ct));
        Assert.Equal(3, ridership.Calls);
    }

    [Fact]
    public async Task An_unknown_load_is_not_kept_and_a_zero_freshness_asks_every_time()
    {
        var clock = new FakeTimeProvider();
        var ridership = new CountingRidership { Away = true };
        var lookup = new StationLoadLookup(ridership, new MaintenanceOptions(), clock, NullLogger<StationLoadLookup>.Instance);

        Assert.Equal(StationLoad.Unknown, await lookup.LoadOfAsync("stn-001", Ct));
        ridership.Away = false;
        Assert.Equal(StationLoad.Quiet, await lookup.LoadOfAsync("stn-001", Ct));
        Assert.Equal(2, ridership.Calls);

        var always = new StationLoadLookup(ridership, new MaintenanceOptions { StationLoadFreshFor = TimeSpan.Zero }, clock, NullLogger<StationLoadLookup>.Instance);
        await always.LoadOfAsync("stn-001", Ct);
        await always.LoadOfAsync("stn-001", Ct);
        Assert.Equal(4, ridership.Calls);
    }

    [Fact]
    public async Task Faults_of_a_station_asking_while_ridership_answers_wait_for_the_same_answer_and_asking_ahead_is_that_question()
    {
        var clock = new FakeTimeProvider();
        var ridership = new CountingRidership { Entries = 3_000, Answer = new TaskCompletionSource() };
        var lookup = new StationLoadLookup(ridership, new MaintenanceOptions(), clock, NullLogger<StationLoadLookup>.Instance);

        lookup.AskAhead("stn-001");
        var first = lookup.LoadOfAsync("stn-001", Ct);
        var second = lookup.LoadOfAsync("stn-001", Ct);
        Assert.False(first.IsCompleted);
        ridership.Answer.SetResult();

        Assert.Equal((StationLoad.Busy, StationLoad.Busy), (await first, await second));
        Assert.Equal(1, ridership.Calls);
    }

    /// <summary>Ridership's station figures, counted; unavailable while <see cref="Away"/>.</summary>
    private sealed class CountingRidership : RidershipClient
    {
        private int _calls;

        public long Entries { get; set; }

        public bool Away { get; set; }

        /// <summary>Holds the answers back until completed, when set.</summary>
        public TaskCompletionSource? Answer { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public override AsyncUnaryCall<GetStationRidershipResponse> GetStationRidershipAsync(GetStationRidershipRequest request, CallOptions options)
        {
            Interlocked.Increment(ref _calls);
            var answer = Away
                ? Task.FromException<GetStationRidershipResponse>(new RpcException(new Status(StatusCode.Unavailable, "ridership is away")))
                : Answer is { } held
                    ? held.Task.ContinueWith(_ => new GetStationRidershipResponse { StationId = request.StationId, Ingress = Entries }, TaskScheduler.Default)
                    : Task.FromResult(new GetStationRidershipResponse { StationId = request.StationId, Ingress = Entries });
            return new AsyncUnaryCall<GetStationRidershipResponse>(answer, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }
    }
}
