namespace Mtaeda.Maintenance.Tests;

/// <summary>The rules of the maintenance context: priority, one open request per device, deadlines.</summary>
public sealed class MaintenanceRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 7, 30, 0, TimeSpan.Zero);

    private static Fault Locked(DateTimeOffset at, string device = "ts-001-01") =>
        new(device, DeviceKind.Turnstile, "stn-001", MaintenanceCause.Locked, "jammed", at);

    [Fact]
    public void A_locked_turnstile_at_a_busy_station_outranks_a_worn_one_at_a_quiet_station()
    {
        var locked = MaintenancePriorities.Of(MaintenanceCause.Locked, StationLoad.Busy);
        var worn = MaintenancePriorities.Of(MaintenanceCause.Worn, StationLoad.Quiet);

        Assert.Equal(MaintenancePriority.Critical, locked);
        Assert.Equal(MaintenancePriority.Low, worn);
        Assert.True(locked > worn);
        Assert.True(MaintenancePriorities.Of(MaintenanceCause.Faulted, StationLoad.Busy) > MaintenancePriorities.Of(MaintenanceCause.Faulted, StationLoad.Quiet));
        Assert.True(MaintenancePriorities.Of(MaintenanceCause.Worn, StationLoad.Busy) > MaintenancePriorities.Of(MaintenanceCause.Worn, StationLoad.Quiet));
    }

    [Fact]
    public void Without_ridership_figures_an_outage_is_ranked_as_at_a_busy_station_but_never_critical()
    {
        Assert.Equal(MaintenancePriority.High, MaintenancePriorities.Of(MaintenanceCause.Locked, StationLoad.Unknown));
        Assert.Equal(MaintenancePriority.High, MaintenancePriorities.Of(MaintenanceCause.CameraFault, StationLoad.Unknown));
        Assert.Equal(MaintenancePriority.Low, MaintenancePriorities.Of(MaintenanceCause.Scheduled, StationLoad.Unknown));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaintenancePriorities.Of(MaintenanceCause.Unspecified, StationLoad.Busy));
    }

    [Theory]
    [InlineData(null, StationLoad.Unknown)]
    [InlineData(9.9, StationLoad.Quiet)]
    [InlineData(10.0, StationLoad.Busy)]
    public void A_station_is_busy_from_the_threshold_on(double? perMinute, StationLoad expected) =>
        Assert.Equal(expected, MaintenancePriorities.LoadOf(perMinute, busyPassagesPerMinute: 10));

    [Theory]
    [InlineData(3_000L, 60, StationLoad.Busy, MaintenancePriority.Critical)]
    [InlineData(1_799L, 60, StationLoad.Quiet, MaintenancePriority.High)]
    [InlineData(300L, 10, StationLoad.Busy, MaintenancePriority.Critical)]
    [InlineData(0L, 60, StationLoad.Quiet, MaintenancePriority.High)]
    public void A_stations_figures_over_the_window_decide_its_load_and_so_a_locked_turnstiles_priority(long passages, int windowMinutes, StationLoad load, MaintenancePriority locked)
    {
        var measured = MaintenancePriorities.LoadOf(passages, TimeSpan.FromMinutes(windowMinutes), busyPassagesPerMinute: 30);

        Assert.Equal(load, measured);
        Assert.Equal(locked, MaintenancePriorities.Of(MaintenanceCause.Locked, measured));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaintenancePriorities.LoadOf(10, TimeSpan.FromSeconds(30), 30));
    }

    [Fact]
    public void Each_step_of_a_request_is_recorded_once_with_the_time_it_was_first_reported()
    {
        var steps = new MaintenanceStepsState();

        Assert.True(MaintenanceSteps.Record(steps, MaintenanceSteps.WorkOrderCreated, T0));
        Assert.True(MaintenanceSteps.Record(steps, MaintenanceSteps.Escalated(1), T0.AddMinutes(15)));
        Assert.False(MaintenanceSteps.Record(steps, MaintenanceSteps.WorkOrderCreated, T0.AddMinutes(20)));
        Assert.False(MaintenanceSteps.Record(steps, "escalated (level 1)", T0.AddMinutes(21)));

        Assert.Equal([new RecordedStep("work order created", T0), new RecordedStep("escalated (level 1)", T0.AddMinutes(15))], steps.Steps);
    }

    [Fact]
    public void A_second_fault_of_a_device_with_an_open_request_joins_it_and_a_redelivery_changes_nothing()
    {
        var device = new DeviceMaintenance(new DeviceMaintenanceState { DeviceId = "ts-001-01" });

        var first = device.Report(Locked(T0));
        var again = device.Report(Locked(T0));
        var second = device.Report(Locked(T0.AddMinutes(3)));
        var secondAgain = device.Report(Locked(T0.AddMinutes(3)));

        Assert.Equal(FaultOutcome.Opened, first.Outcome);
        Assert.Equal(Locked(T0).Key, first.RequestId);
        Assert.Equal((FaultOutcome.Repeated, first.RequestId), again);
        Assert.Equal((FaultOutcome.Joined, first.RequestId), second);
        Assert.Equal((FaultOutcome.Repeated, first.RequestId), secondAgain);
        Assert.Single(device.State.JoinedFaults);
    }

    [Fact]
    public void Once_the_request_is_closed_the_next_fault_opens_a_new_one()
    {
        var device = new DeviceMaintenance(new DeviceMaintenanceState { DeviceId = "ts-001-01" });
        var (_, first) = device.Report(Locked(T0));

        Assert.False(device.Close("mr-other"));
        Assert.True(device.Close(first));
        var next = device.Report(Locked(T0.AddHours(1)));

        Assert.Equal(FaultOutcome.Opened, next.Outcome);
        Assert.NotEqual(first, next.RequestId);
    }

    [Fact]
    public void A_fault_redelivered_after_its_request_closed_opens_nothing()
    {
        var device = new DeviceMaintenance(new DeviceMaintenanceState { DeviceId = "ts-001-01" });
        var (_, first) = device.Report(Locked(T0));
        Assert.True(device.Close(first));

        var late = device.Report(Locked(T0));

        Assert.Equal((FaultOutcome.AlreadyClosed, first), late);
        Assert.Equal(string.Empty, device.State.OpenRequestId);
        Assert.Equal([first], device.State.RequestIds);
        Assert.Equal(FaultOutcome.Opened, device.Report(Locked(T0.AddMinutes(1))).Outcome);
    }

    [Fact]
    public void A_device_remembers_its_last_requests_in_order_for_listing()
    {
        var device = new DeviceMaintenance(new DeviceMaintenanceState { DeviceId = "ts-001-01" });
        var opened = new List<string>();
        for (var i = 0; i < DeviceMaintenance.MaxRequests + 2; i++)
        {
            var (_, id) = device.Report(Locked(T0.AddHours(i)));
            device.Report(Locked(T0.AddHours(i).AddMinutes(1)));
            opened.Add(id);
            device.Close(id);
        }

        Assert.Equal(opened.Skip(2), device.State.RequestIds);
    }

    [Fact]
    public void The_request_id_is_derived_from_the_fault_and_is_a_valid_id()
    {
        var key = Locked(T0).Key;

        Assert.Equal(key, Locked(T0).Key);
        Assert.NotEqual(key, Locked(T0, "ts-001-02").Key);
        Assert.NotEqual(key, (Locked(T0) with { Cause = MaintenanceCause.Faulted }).Key);
        Assert.True(Mtaeda.Contracts.Ids.IsValid(key));
    }

    [Fact]
    public void Deadlines_come_per_priority_and_must_be_ordered()
    {
        var deadlines = new MaintenanceDeadlines { High = new DeadlinePair { AssignWithin = TimeSpan.FromSeconds(2), CompleteWithin = TimeSpan.FromSeconds(4) } };

        deadlines.Validate();
        Assert.Equal(TimeSpan.FromSeconds(2), deadlines.For(MaintenancePriority.High).AssignWithin);
        Assert.True(deadlines.For(MaintenancePriority.Critical).AssignWithin < deadlines.For(MaintenancePriority.Low).AssignWithin);
        deadlines.Low = new DeadlinePair { AssignWithin = TimeSpan.FromSeconds(5), CompleteWithin = TimeSpan.FromSeconds(5) };
        Assert.Throws<InvalidOperationException>(deadlines.Validate);
    }
}
