using Mtaeda.Stations.Domain;
using Station = Mtaeda.Stations.Domain.Station;

namespace Mtaeda.Stations.Tests;

public sealed class StationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 7, 0, 0, TimeSpan.Zero);
    private static readonly PostalAddress Main = new("42 Main Street", "Springfield", "IL", "62701");

    private static Station Registered(string id = "stn-042", params string[] lines)
    {
        var station = new Station(new StationState { StationId = id });
        station.Register("Central Square", Main, lines.Length == 0 ? ["A"] : lines, T0);
        return new Station(station.State); // a fresh aggregate over the saved state: no pending events
    }

    [Fact]
    public void Registering_makes_the_station_active_and_raises_StationRegistered()
    {
        var station = new Station(new StationState { StationId = "stn-042" });

        var registeredAt = station.Register("  Central Square ", Main, ["B", "A", "B"], T0);

        Assert.Equal(T0, registeredAt);
        Assert.True(station.IsRegistered);
        Assert.Equal(StationStatus.Active, station.State.Status);
        Assert.Equal("Central Square", station.State.Name);
        Assert.Equal(["A", "B"], station.State.LineIds);
        var registered = Assert.IsType<StationRegistered>(Assert.Single(station.Events));
        Assert.Equal("stn-042", registered.StationId);
        Assert.Equal(["A", "B"], registered.LineIds);
        Assert.Equal("Springfield", registered.Address.City);
        Assert.Equal(T0, registered.RegisteredAt.ToDateTimeOffset());
    }

    [Fact]
    public void Registering_again_with_the_same_values_changes_nothing_and_answers_the_original_time()
    {
        var station = Registered(lines: ["A", "B"]);

        var registeredAt = station.Register("Central Square", Main with { }, ["B", "A"], T0.AddHours(1));

        Assert.Equal(T0, registeredAt);
        Assert.False(station.Changed);
        Assert.Empty(station.Events);
    }

    [Fact]
    public void Registering_again_with_other_values_is_refused_as_already_existing()
    {
        var station = Registered();

        var refusal = Assert.Throws<DomainRefusalException>(() => station.Register("Other Name", Main, ["A"], T0));

        Assert.Equal(RefusalKind.AlreadyExists, refusal.Kind);
        Assert.Equal("Central Square", station.State.Name);
    }

    [Theory]
    [InlineData("", "name")]
    [InlineData("   ", "name")]
    public void A_blank_name_is_refused_naming_the_field(string name, string field)
    {
        var station = new Station(new StationState { StationId = "stn-1" });

        var refusal = Assert.Throws<DomainRefusalException>(() => station.Register(name, Main, ["A"], T0));

        Assert.Equal(RefusalKind.InvalidArgument, refusal.Kind);
        Assert.Equal(field, refusal.Field);
        Assert.StartsWith($"{field} ", refusal.Message, StringComparison.Ordinal);
        Assert.False(station.IsRegistered);
    }

    [Fact]
    public void Bad_addresses_and_lines_are_refused_naming_the_field()
    {
        var station = new Station(new StationState { StationId = "stn-1" });

        Assert.Equal("address", Assert.Throws<DomainRefusalException>(() => station.Register("N", null, ["A"], T0)).Field);
        Assert.Equal("address.street_address", Assert.Throws<DomainRefusalException>(() => station.Register("N", Main with { StreetAddress = "" }, ["A"], T0)).Field);
        Assert.Equal("address.city", Assert.Throws<DomainRefusalException>(() => station.Register("N", Main with { City = "" }, ["A"], T0)).Field);
        Assert.Equal("line_ids", Assert.Throws<DomainRefusalException>(() => station.Register("N", Main, [], T0)).Field);
        Assert.Equal("line_ids[1]", Assert.Throws<DomainRefusalException>(() => station.Register("N", Main, ["A", "no spaces"], T0)).Field);
        Assert.Equal("name", Assert.Throws<DomainRefusalException>(() => station.Register(new string('x', 201), Main, ["A"], T0)).Field);
        Assert.False(station.Changed);
    }

    [Theory]
    [InlineData("stn-042", true)]
    [InlineData("A", true)]
    [InlineData("ts_1.2-3", true)]
    [InlineData("", false)]
    [InlineData("stn 42", false)]
    [InlineData("stn:42", false)]
    [InlineData("stn-42\n", false)]
    public void Ids_follow_the_convention(string id, bool valid)
    {
        Assert.Equal(valid, Ids.IsValid(id));
        Assert.True(Ids.IsValid(new string('x', 64)));
        Assert.False(Ids.IsValid(new string('x', 65)));
    }

    [Fact]
    public void Renaming_raises_StationRenamed_with_the_previous_name_unless_unchanged()
    {
        var station = Registered();

        station.Rename("Central Sq.", T0.AddMinutes(5));
        station.Rename("Central Sq.", T0.AddMinutes(6));

        var renamed = Assert.IsType<StationRenamed>(Assert.Single(station.Events));
        Assert.Equal("Central Square", renamed.PreviousName);
        Assert.Equal("Central Sq.", renamed.Name);
        Assert.Equal(T0.AddMinutes(5), station.State.LastModifiedAt);
    }

    [Fact]
    public void Changing_the_address_raises_StationAddressChanged_unless_unchanged()
    {
        var station = Registered();

        station.ChangeAddress(Main, T0.AddMinutes(1));
        Assert.Empty(station.Events);
        station.ChangeAddress(Main with { StreetAddress = "1 Station Road" }, T0.AddMinutes(2));

        var changed = Assert.IsType<StationAddressChanged>(Assert.Single(station.Events));
        Assert.Equal("42 Main Street", changed.PreviousAddress.StreetAddress);
        Assert.Equal("1 Station Road", changed.Address.StreetAddress);
    }

    [Fact]
    public void Closing_raises_StationClosed_listing_the_installed_turnstiles_and_closing_again_changes_nothing()
    {
        var station = Registered();
        station.TurnstileInstalled("ts-042-02", T0, T0);
        station.TurnstileInstalled("ts-042-01", T0, T0);
        station.TurnstileInstalled("ts-042-03", T0, T0);
        station.TurnstileDecommissioned("ts-042-03", T0, T0);

        station.Close("line rerouted", T0.AddHours(1));
        station.Close("again", T0.AddHours(2));

        var closed = Assert.IsType<StationClosed>(Assert.Single(station.Events));
        Assert.Equal(["ts-042-01", "ts-042-02"], closed.TurnstileIds);
        Assert.Equal("line rerouted", closed.Reason);
        Assert.Equal(StationStatus.Closed, station.State.Status);
        Assert.Equal(T0.AddHours(1), station.State.ClosedAt);
        Assert.Equal("line rerouted", station.State.StatusReason);
    }

    [Fact]
    public void A_closed_station_cannot_be_taken_offline()
    {
        var station = Registered();
        station.Close("", T0);

        var refusal = Assert.Throws<DomainRefusalException>(() => station.TakeOffline("flooding", T0.AddMinutes(1)));

        Assert.Equal(RefusalKind.FailedPrecondition, refusal.Kind);
        Assert.Equal(StationStatus.Closed, station.State.Status);
    }

    [Fact]
    public void Offline_then_open_raises_StationTakenOffline_then_StationOpened_with_the_previous_status()
    {
        var station = Registered();

        station.TakeOffline("flooding", T0.AddMinutes(1));
        station.TakeOffline("still flooding", T0.AddMinutes(2));
        station.Open(T0.AddMinutes(3));
        station.Open(T0.AddMinutes(4));

        Assert.Collection(station.Events,
            e => Assert.Equal("flooding", Assert.IsType<StationTakenOffline>(e).Reason),
            e => Assert.Equal(StationStatus.Offline, Assert.IsType<StationOpened>(e).PreviousStatus));
        Assert.Equal(StationStatus.Active, station.State.Status);
        Assert.Equal(T0.AddMinutes(3), station.State.OpenedAt);
        Assert.Equal(string.Empty, station.State.StatusReason);
    }

    [Fact]
    public void Commands_on_a_station_never_registered_are_refused_as_not_found()
    {
        var station = new Station(new StationState { StationId = "stn-404" });

        Assert.Equal(RefusalKind.NotFound, Assert.Throws<DomainRefusalException>(() => station.Rename("X", T0)).Kind);
        Assert.Equal(RefusalKind.NotFound, Assert.Throws<DomainRefusalException>(() => station.Open(T0)).Kind);
        Assert.Equal(RefusalKind.NotFound, Assert.Throws<DomainRefusalException>(() => station.Close("", T0)).Kind);
        Assert.Equal(RefusalKind.NotFound, Assert.Throws<DomainRefusalException>(() => station.TakeOffline("", T0)).Kind);
        Assert.Equal(RefusalKind.NotFound, Assert.Throws<DomainRefusalException>(() => station.ChangeAddress(Main, T0)).Kind);
    }

    [Fact]
    public void The_inventory_follows_equipment_facts_whatever_their_repetitions_even_before_registration()
    {
        var station = new Station(new StationState { StationId = "stn-7" });

        station.TurnstileInstalled("ts-2", T0, T0);
        station.TurnstileInstalled("ts-1", T0, T0);
        station.TurnstileInstalled("ts-1", T0, T0);
        station.CameraInstalled("cam-1", T0, T0);
        station.CameraUninstalled("cam-1", T0, T0);
        station.CameraUninstalled("cam-1", T0, T0);
        station.TurnstileDecommissioned("ts-9", T0, T0);

        Assert.Equal(["ts-1", "ts-2"], station.State.TurnstileIds);
        Assert.Empty(station.State.CameraIds);
        Assert.Empty(station.Events);
        Assert.False(station.IsRegistered);
    }

    [Fact]
    public void A_refused_command_changes_nothing()
    {
        var station = Registered();
        var before = System.Text.Json.JsonSerializer.Serialize(station.State);

        Assert.Throws<DomainRefusalException>(() => station.Rename("", T0.AddDays(1)));
        Assert.Throws<DomainRefusalException>(() => station.Close(new string('r', 501), T0.AddDays(1)));

        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(station.State));
        Assert.False(station.Changed);
    }

    [Fact]
    public void An_equipment_event_older_than_the_one_applied_for_the_device_is_ignored()
    {
        var station = Registered();

        // Each pair delivered reversed: the later fact first.
        station.TurnstileDecommissioned("ts-1", T0.AddMinutes(2), T0.AddMinutes(3));
        station.TurnstileInstalled("ts-1", T0.AddMinutes(1), T0.AddMinutes(3));
        station.CameraUninstalled("cam-1", T0.AddMinutes(2), T0.AddMinutes(3));
        station.CameraInstalled("cam-1", T0.AddMinutes(1), T0.AddMinutes(3));

        Assert.Empty(station.State.TurnstileIds);
        Assert.Empty(station.State.CameraIds);

        // A later change of the same device still applies (the camera installed again).
        station.CameraInstalled("cam-1", T0.AddMinutes(4), T0.AddMinutes(5));
        Assert.Equal(["cam-1"], station.State.CameraIds);
    }
}
