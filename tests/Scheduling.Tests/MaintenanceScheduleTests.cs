using Mtaeda.Scheduling.Domain;
using Mtaeda.Scheduling.Workflows;
using MaintenanceSchedule = Mtaeda.Scheduling.Domain.MaintenanceSchedule;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The preventive schedule's rules: the recurrence, the commands and their events, without a runtime.</summary>
public sealed class MaintenanceScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static NewSchedule Turnstile(string cron = "0 3 * * 1", string zone = "America/New_York") => new("ts-001-01", DeviceKind.Turnstile, "stn-001", cron, zone);

    [Theory]
    [InlineData("0 3 * * 1", "America/New_York", "2026-12-07T08:00:00Z")] // Monday 03:00 in New York (EST, UTC-5) is 08:00 UTC
    [InlineData("30 15 10 * * *", "Europe/Berlin", "2026-12-07T09:15:30Z")] // six fields: seconds first; 10:15:30 in Berlin (UTC+1)
    [InlineData("0 0 1 1 *", "Etc/UTC", "2027-01-01T00:00:00Z")]
    public void The_next_occurrence_is_read_in_the_schedules_time_zone(string cron, string zone, string expected)
    {
        var next = Recurrence.Parse(cron, zone).NextAfter(new DateTime(2026, 12, 7, 5, 0, 0, DateTimeKind.Utc));
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), next);
    }

    [Theory]
    [InlineData("", "Etc/UTC", "cron")]
    [InlineData("61 * * * *", "Etc/UTC", "cron")]
    [InlineData("* * *", "Etc/UTC", "cron")]
    [InlineData("* * * * * * *", "Etc/UTC", "cron")]
    [InlineData("0 3 * * 1", "", "time_zone")]
    [InlineData("0 3 * * 1", "Mars/Olympus_Mons", "time_zone")]
    public void A_bad_cron_expression_or_time_zone_is_refused_naming_the_field(string cron, string zone, string field)
    {
        var refusal = Assert.Throws<DomainRefusalException>(() => Recurrence.Parse(cron, zone));
        Assert.Equal((RefusalKind.InvalidArgument, field), (refusal.Refusal.Kind, refusal.Refusal.Field));
    }

    [Fact]
    public void Create_change_and_remove_raise_the_device_kinds_events_and_a_repeat_changes_nothing()
    {
        var state = new ScheduleState { ScheduleId = "sch-1" };
        var created = new MaintenanceSchedule(state);
        created.Create(Turnstile(), Now);
        var event1 = Assert.IsType<TurnstileMaintenanceScheduleCreated>(Assert.Single(created.Events));
        Assert.Equal(("sch-1", "ts-001-01", "stn-001", 1L), (event1.ScheduleId, event1.TurnstileId, event1.StationId, state.Version));
        Assert.Equal(new DateTime(2026, 12, 14, 8, 0, 0, DateTimeKind.Utc), event1.NextOccurrence.ToDateTime());

        var repeat = new MaintenanceSchedule(state.Copy());
        repeat.Create(Turnstile(), Now.AddMinutes(1));
        Assert.False(repeat.Changed);
        var other = Assert.Throws<DomainRefusalException>(() => new MaintenanceSchedule(state.Copy()).Create(Turnstile(cron: "0 4 * * 1"), Now));
        Assert.Equal(RefusalKind.AlreadyExists, other.Refusal.Kind);

        var changed = new MaintenanceSchedule(state);
        changed.Change("0 4 * * 1", "America/New_York", Now.AddHours(1));
        Assert.IsType<TurnstileMaintenanceScheduleChanged>(Assert.Single(changed.Events));
        Assert.Equal((2L, Now.AddHours(1)), (state.Version, state.ChangedAt));
        var badChange = Assert.Throws<DomainRefusalException>(() => new MaintenanceSchedule(state.Copy()).Change("nonsense", "America/New_York", Now));
        Assert.Equal("cron", badChange.Refusal.Field);

        var removed = new MaintenanceSchedule(state);
        removed.Remove(Now.AddHours(2));
        Assert.IsType<TurnstileMaintenanceScheduleRemoved>(Assert.Single(removed.Events));
        Assert.Equal((3L, false), (state.Version, state.Live));
        var again = new MaintenanceSchedule(state);
        again.Remove(Now.AddHours(3));
        Assert.False(again.Changed);
        var changeRemoved = Assert.Throws<DomainRefusalException>(() => new MaintenanceSchedule(state.Copy()).Change("0 5 * * 1", "Etc/UTC", Now));
        Assert.Equal(RefusalKind.NotFound, changeRemoved.Refusal.Kind);

        // Created again under the same id: versions go on, so no workflow instance id is reused.
        var recreated = new MaintenanceSchedule(state);
        recreated.Create(new NewSchedule("cam-001-01", DeviceKind.Camera, "stn-001", "0 3 * * *", "Etc/UTC"), Now.AddHours(4));
        Assert.IsType<CameraMaintenanceScheduleCreated>(Assert.Single(recreated.Events));
        Assert.Equal((4L, true), (state.Version, state.Live));
        var trigger = Assert.IsType<CameraMaintenanceScheduleTriggered>(recreated.Triggered(new DateTime(2026, 12, 8, 3, 0, 0, DateTimeKind.Utc), Now));
        Assert.Equal(("sch-1", "cam-001-01"), (trigger.ScheduleId, trigger.CameraId));
    }

    [Fact]
    public void Each_version_runs_under_its_own_instance_and_each_occurrence_has_one_event_id()
    {
        Assert.NotEqual(ScheduleWorkflow.InstanceIdOf("sch-1", 1), ScheduleWorkflow.InstanceIdOf("sch-1", 2));
        var occurrence = new DateTime(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc);
        Assert.Equal("sch-1.triggered.20261207T080000Z", TriggerScheduleActivity.EventIdOf("sch-1", occurrence));
        Assert.NotEqual(TriggerScheduleActivity.EventIdOf("sch-1", occurrence), TriggerScheduleActivity.EventIdOf("sch-1", occurrence.AddSeconds(1)));
    }
}
