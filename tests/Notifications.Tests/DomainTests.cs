using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Notifications.Domain;

namespace Mtaeda.Notifications.Tests;

public sealed class TemplateTests
{
    private static readonly AlertFacts Jam = AlertRules.From(new TurnstileLocked
    {
        TurnstileId = "ts-7", StationId = "stn-1", Kind = FaultKind.Jammed, Reason = "coin stuck",
        LockedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 8, 30, 0, TimeSpan.Zero)),
    });

    [Fact]
    public void Renders_every_field_and_escaped_braces()
    {
        var template = Template.Parse("{title} at {station_id} ({priority}, {kind}) {{literal}} {occurred_at}: {text} [{device_id}|{work_order_id}|{id}]", "body");

        var text = template.Render("alr-1", Jam);

        Assert.Equal("Turnstile ts-7 jammed at stn-1 (high, turnstile locked) {literal} 2026-12-07T08:30:00Z: coin stuck [ts-7||alr-1]", text);
    }

    [Fact]
    public void A_placeholder_naming_an_unknown_field_is_refused_with_the_field_of_the_configuration()
    {
        var refused = Assert.Throws<ConfigurationException>(() => Template.Parse("Hello {passenger_name}", "configuration.template.body"));

        Assert.Equal("configuration.template.body", refused.Field);
        Assert.Contains("'{passenger_name}'", refused.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("open { brace")]
    [InlineData("close } brace")]
    [InlineData("{}")]
    public void A_stray_brace_or_an_empty_placeholder_is_refused(string text) =>
        Assert.Throws<ConfigurationException>(() => Template.Parse(text, "configuration.template.subject"));

    [Fact]
    public void Plain_text_renders_as_it_is() => Assert.Equal("no fields", Template.Parse("no fields", "body").Render("a", Jam));
}

public sealed class ConfigurationRulesTests
{
    internal static NotificationConfiguration Valid() => new()
    {
        ConfigurationId = "cfg-1",
        Name = "Jams at station 1",
        EventKinds = { NotificationEventKind.TurnstileLocked },
        StationIds = { "stn-1" },
        MinimumPriority = MaintenancePriority.Medium,
        Channels = new NotificationChannels { Dashboard = true, Email = new EmailChannel { To = { "ops@example.org" } } },
        Template = new NotificationTemplate { Subject = "{title}", Body = "{text} at {station_id}" },
    };

    [Fact]
    public void A_valid_configuration_passes() => ConfigurationRules.Validate(Valid());

    public static TheoryData<string, Action<NotificationConfiguration>> Broken => new()
    {
        { "configuration.configuration_id", c => c.ConfigurationId = "" },
        { "configuration.name", c => c.Name = " " },
        { "configuration.event_kinds", c => c.EventKinds.Clear() },
        { "configuration.station_ids", c => c.StationIds.Add("bad id") },
        { "configuration.channels", c => c.Channels = new NotificationChannels() },
        { "configuration.channels.email.to", c => c.Channels.Email.To[0] = "not an address" },
        { "configuration.channels.webhook.url", c => c.Channels.Webhook = new WebhookChannel { Url = "ftp://x", SecretName = "s" } },
        { "configuration.channels.webhook.secret_name", c => c.Channels.Webhook = new WebhookChannel { Url = "https://example.org/hook" } },
        { "configuration.template.body", c => c.Template.Body = "" },
        { "configuration.template.subject", c => c.Template.Subject = "{nope}" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void An_invalid_field_is_named(string field, Action<NotificationConfiguration> breakIt)
    {
        var configuration = Valid();
        breakIt(configuration);

        Assert.Equal(field, Assert.Throws<ConfigurationException>(() => ConfigurationRules.Validate(configuration)).Field);
    }

    [Fact]
    public void Matches_kind_station_and_minimum_priority()
    {
        var configuration = Valid();
        var locked = AlertRules.From(new TurnstileLocked { TurnstileId = "t", StationId = "stn-1", Kind = FaultKind.Locked, LockedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) });

        Assert.True(ConfigurationRules.Matches(configuration, locked));
        Assert.False(ConfigurationRules.Matches(configuration, locked with { StationId = "stn-2" }));
        Assert.False(ConfigurationRules.Matches(configuration, locked with { Kind = NotificationEventKind.TurnstileFaulted }));
        Assert.False(ConfigurationRules.Matches(configuration, locked with { Priority = MaintenancePriority.Low }));
        configuration.StationIds.Clear();
        Assert.True(ConfigurationRules.Matches(configuration, locked with { StationId = "stn-2" }));
    }
}

public sealed class HubAccessTests
{
    [Fact]
    public void Supervisors_receive_every_kind_technicians_no_escalations_viewers_outages_and_completions()
    {
        Assert.Equal(System.Enum.GetValues<NotificationEventKind>().Where(k => k != NotificationEventKind.Unspecified).ToHashSet(), HubAccess.KindsOf(HubRole.Supervisor).ToHashSet());
        Assert.DoesNotContain(NotificationEventKind.WorkOrderEscalated, HubAccess.KindsOf(HubRole.Technician));
        Assert.Contains(NotificationEventKind.WorkOrderCreated, HubAccess.KindsOf(HubRole.Technician));
        Assert.Equal(
            new HashSet<NotificationEventKind> { NotificationEventKind.TurnstileFaulted, NotificationEventKind.TurnstileLocked, NotificationEventKind.WorkOrderCompleted },
            HubAccess.KindsOf(HubRole.Viewer).ToHashSet());
    }

    [Theory]
    [InlineData("supervisor", true)]
    [InlineData("Technician", true)]
    [InlineData("viewer", true)]
    [InlineData("admin", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Roles_are_read_from_the_claim(string? claim, bool known) => Assert.Equal(known, HubAccess.TryParseRole(claim, out _));

    [Fact]
    public void Stations_are_a_list_or_every_station()
    {
        Assert.Equal(["stn-1", "stn-2"], HubAccess.StationsOf(" stn-1, stn-2 ,stn-1"));
        Assert.Equal(["*"], HubAccess.StationsOf("stn-1,*"));
        Assert.Empty(HubAccess.StationsOf(" , "));
    }

    [Fact]
    public void A_connection_joins_the_groups_an_allowed_alert_is_sent_to_and_no_other()
    {
        var kinds = System.Enum.GetValues<NotificationEventKind>().Where(k => k != NotificationEventKind.Unspecified);
        var users = new (HubRole Role, string Stations)[] { (HubRole.Supervisor, "*"), (HubRole.Technician, "stn-1"), (HubRole.Viewer, "stn-2,stn-3"), (HubRole.Supervisor, "stn-2") };
        foreach (var (role, claim) in users)
        {
            var stations = HubAccess.StationsOf(claim);
            var joined = HubAccess.GroupsOf(role, stations);
            foreach (var kind in kinds)
            {
                foreach (var station in new[] { "stn-1", "stn-2", "stn-4" })
                {
                    var reached = HubAccess.GroupsFor(kind, station).Intersect(joined).Any();
                    Assert.True(reached == HubAccess.Allows(role, stations, kind, station), $"{role} {claim} {kind} {station}");
                }
            }
        }
        Assert.True(HubAccess.Allows(HubRole.Supervisor, ["*"], NotificationEventKind.WorkOrderEscalated, "stn-9"));
        Assert.False(HubAccess.Allows(HubRole.Technician, ["stn-1"], NotificationEventKind.TurnstileLocked, "stn-2"));
        Assert.False(HubAccess.Allows(HubRole.Viewer, ["*"], NotificationEventKind.MaintenanceRequired, "stn-1"));
    }
}

public sealed class AlertRulesTests
{
    private static readonly Timestamp At = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Priorities_follow_the_event()
    {
        Assert.Equal(MaintenancePriority.High, AlertRules.From(new TurnstileLocked { TurnstileId = "t", StationId = "s", LockedAt = At }).Priority);
        Assert.Equal(MaintenancePriority.Medium, AlertRules.From(new TurnstileFaulted { TurnstileId = "t", StationId = "s", FaultedAt = At }).Priority);
        Assert.Equal(MaintenancePriority.Critical, AlertRules.From(new MaintenanceRequired { DeviceId = "t", StationId = "s", Priority = MaintenancePriority.Critical, RequiredAt = At }).Priority);
        Assert.Equal(MaintenancePriority.Low, AlertRules.From(new WorkOrderCreated { DeviceId = "t", StationId = "s", Priority = MaintenancePriority.Low, CreatedAt = At }).Priority);
        Assert.Equal(MaintenancePriority.Medium, AlertRules.From(new WorkOrderEscalated { DeviceId = "t", StationId = "s", Priority = MaintenancePriority.Medium, Level = 1, EscalatedAt = At }).Priority);
        Assert.Equal(MaintenancePriority.Critical, AlertRules.From(new WorkOrderEscalated { DeviceId = "t", StationId = "s", Priority = MaintenancePriority.Medium, Level = 2, EscalatedAt = At }).Priority);
        Assert.Equal(MaintenancePriority.Low, AlertRules.From(new WorkOrderCompleted { DeviceId = "t", StationId = "s", CompletedAt = At }).Priority);
    }

    [Fact]
    public void Ids_are_the_same_for_the_same_event_and_differ_between_events_and_channels()
    {
        Assert.Equal(AlertRules.AlertId("e-1"), AlertRules.AlertId("e-1"));
        Assert.NotEqual(AlertRules.AlertId("e-1"), AlertRules.AlertId("e-2"));
        Assert.NotEqual(AlertRules.DeliveryId("a", "c", ChannelKind.Email), AlertRules.DeliveryId("a", "c", ChannelKind.Webhook));
        Assert.True(Mtaeda.Contracts.Ids.IsValid(AlertRules.DeliveryId("a", "c", ChannelKind.Email)));
    }

    [Fact]
    public void An_event_without_its_time_is_refused() =>
        Assert.Throws<ArgumentException>(() => AlertRules.From(new TurnstileLocked { TurnstileId = "t", StationId = "s" }));
}

public sealed class WatchListAlertTests
{
    private static readonly OffenderIdentified Match = new()
    {
        IdentificationId = "ts-001-02.c17",
        OffenderId = "off-3",
        CaseReference = "case-77",
        AlertLevel = AlertLevel.High,
        Recipients = { "police-desk-3" },
        HasImage = true,
        Interaction = new CustomerStationInteraction
        {
            StationId = "stn-001", TurnstileId = "ts-001-02", CameraId = "cam-001-02", Direction = Mtaeda.Contracts.Gateway.V1.PassageDirection.Ingress,
            OccurredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 9, 15, 0, TimeSpan.Zero)),
        },
    };

    private static NotificationConfiguration Desk(string id) => new()
    {
        ConfigurationId = id,
        Name = "Police desk",
        EventKinds = { NotificationEventKind.OffenderIdentified },
        Channels = new NotificationChannels { Email = new EmailChannel { To = { "desk@police.example.org" } } },
        Template = new NotificationTemplate { Subject = "{title}", Body = "{text}" },
    };

    [Fact]
    public void The_alert_names_camera_station_time_and_alert_level_and_carries_the_identification_not_the_image()
    {
        var facts = AlertRules.From(Match);

        Assert.Equal((NotificationEventKind.OffenderIdentified, "stn-001", "cam-001-02", MaintenancePriority.High, "ts-001-02.c17"),
            (facts.Kind, facts.StationId, facts.DeviceId, facts.Priority, facts.IdentificationId));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 9, 15, 0, TimeSpan.Zero), facts.OccurredAt);
        Assert.Contains("alert level HIGH", facts.Text, StringComparison.Ordinal);
        Assert.Contains("camera cam-001-02", facts.Text, StringComparison.Ordinal);
        Assert.Equal(["police-desk-3"], facts.Recipients);
    }

    [Theory]
    [InlineData(AlertLevel.Low, MaintenancePriority.Low)]
    [InlineData(AlertLevel.Medium, MaintenancePriority.Medium)]
    [InlineData(AlertLevel.High, MaintenancePriority.High)]
    [InlineData(AlertLevel.Unspecified, MaintenancePriority.High)]
    public void The_alert_level_is_the_priority(AlertLevel level, MaintenancePriority priority) => Assert.Equal(priority, AlertRules.PriorityOf(level));

    [Fact]
    public void Only_the_configurations_of_the_offenders_recipients_are_told()
    {
        var facts = AlertRules.From(Match);

        Assert.True(ConfigurationRules.Matches(Desk("police-desk-3"), facts));
        Assert.False(ConfigurationRules.Matches(Desk("ops-all"), facts));
        Assert.False(ConfigurationRules.Matches(Desk("police-desk-3"), facts with { Recipients = [] }));
    }

    [Fact]
    public void Only_supervisors_receive_watch_list_matches()
    {
        Assert.Contains(NotificationEventKind.OffenderIdentified, HubAccess.KindsOf(HubRole.Supervisor));
        Assert.DoesNotContain(NotificationEventKind.OffenderIdentified, HubAccess.KindsOf(HubRole.Technician));
        Assert.DoesNotContain(NotificationEventKind.OffenderIdentified, HubAccess.KindsOf(HubRole.Viewer));
        Assert.Equal(["supervisor|stn-001", "supervisor|*"], HubAccess.GroupsFor(NotificationEventKind.OffenderIdentified, "stn-001"));
    }
}
