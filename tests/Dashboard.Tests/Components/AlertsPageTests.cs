using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Bunit;
using Mtaeda.Dashboard.Alerts;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Components.Pages;
using Mtaeda.Dashboard.Components.Shared;

namespace Mtaeda.Dashboard.Tests.Components;

public sealed class AlertsPageTests
{
    private static AlertMessage Alert(string id, int minutesAgo, string? acknowledgedBy = null) => new()
    {
        Id = id, Kind = "TurnstileLocked", StationId = "stn-001", DeviceId = "ts-001", Priority = "MAINTENANCE_PRIORITY_HIGH",
        Title = $"Turnstile locked ({id})", Text = "jammed", OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo),
        AcknowledgedBy = acknowledgedBy, AcknowledgedAt = acknowledgedBy is null ? null : DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task A_pushed_alert_shows_first_with_the_fresh_cue_without_a_reload()
    {
        await using var context = new DashboardContext(Roles.Supervisor, "sup-001");
        context.Feed.Set([Alert("a-2", 2), Alert("a-1", 5)]);
        var page = context.RenderPage<AlertsPage>();

        context.Feed.Push(Alert("a-3", 0));

        page.WaitForAssertion(() =>
        {
            var alerts = page.FindAll("[data-testid=alert]");
            Assert.Equal(["a-3", "a-2", "a-1"], alerts.Select(a => a.GetAttribute("data-alert-id")));
            Assert.Contains("alert-fresh", alerts[0].ClassName, StringComparison.Ordinal);
            Assert.DoesNotContain("alert-fresh", alerts[1].ClassName, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Acknowledging_sends_it_to_notifications_and_shows_who_and_when()
    {
        await using var context = new DashboardContext(Roles.Technician, "tech-003");
        context.Feed.Set([Alert("a-1", 1)]);
        context.Backend.On<AcknowledgeAlertRequest>("AcknowledgeAlert", r => new Alert
        {
            Id = r.AlertId, Kind = NotificationEventKind.TurnstileLocked, StationId = "stn-001", Title = "t", Text = "x", Priority = MaintenancePriority.High,
            OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), AcknowledgedBy = r.AcknowledgedBy, AcknowledgedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        });
        var page = context.RenderPage<AlertsPage>();

        page.Find("button[data-testid=acknowledge]").Click();

        page.WaitForAssertion(() => Assert.Contains("Acknowledged by technician tech-003", page.Find("[data-testid=acknowledged]").TextContent, StringComparison.Ordinal));
        Assert.Equal(("a-1", "technician tech-003"), Assert.Single(context.Backend.CallsTo<AcknowledgeAlertRequest>("AcknowledgeAlert")) is var r ? (r.AlertId, r.AcknowledgedBy) : default);
    }

    [Fact]
    public async Task A_refused_acknowledgement_shows_notifications_own_message()
    {
        await using var context = new DashboardContext(Roles.Supervisor, "sup-001");
        context.Feed.Set([Alert("a-1", 1)]);
        context.Backend.On<AcknowledgeAlertRequest>("AcknowledgeAlert", _ => throw Mtaeda.Contracts.Errors.FailedPrecondition(Mtaeda.Contracts.Common.V1.ErrorReason.Unspecified, "alert a-1 is already acknowledged"));
        var page = context.RenderPage<AlertsPage>();

        page.Find("button[data-testid=acknowledge]").Click();

        page.WaitForAssertion(() => Assert.Contains("alert a-1 is already acknowledged", page.Find("[data-testid=command-error]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_viewer_sees_alerts_but_cannot_acknowledge()
    {
        await using var context = new DashboardContext(Roles.Viewer, "view-001");
        context.Feed.Set([Alert("a-1", 1)]);

        var page = context.RenderPage<AlertsPage>();

        Assert.Single(page.FindAll("[data-testid=alert]"));
        Assert.Empty(page.FindAll("button[data-testid=acknowledge]"));
    }

    [Fact]
    public async Task The_banner_says_reconnecting_while_the_hub_or_a_service_is_away_and_goes_when_they_are_back()
    {
        await using var context = new DashboardContext(Roles.Viewer, "view-001");

        var banner = context.Render<ConnectionBanner>(p => p.Add(b => b.HubState, HubState.Reconnecting));
        Assert.Contains("Reconnecting… (live alerts unreachable)", banner.Markup, StringComparison.Ordinal);

        banner.Render(p => p.Add(b => b.HubState, HubState.Connected).Add(b => b.Unreachable, new Dictionary<string, string> { ["scheduling"] = "connection refused" }));
        Assert.Contains("Reconnecting… (scheduling unreachable)", banner.Markup, StringComparison.Ordinal);

        banner.Render(p => p.Add(b => b.HubState, HubState.Connected).Add(b => b.Unreachable, new Dictionary<string, string>()));
        Assert.Empty(banner.FindAll("[data-testid=reconnecting]"));
    }
}

public sealed class WatchListAlertTests
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xD9];

    private static AlertMessage Match() => new()
    {
        Id = "alr-w1", Kind = AlertMessage.WatchListKind, StationId = "stn-001", DeviceId = "cam-001-02", Priority = "MAINTENANCE_PRIORITY_HIGH",
        Title = "Watch-list match at stn-001", Text = "Offender off-1 (case c-1, alert level HIGH) seen entering by camera cam-001-02 at turnstile ts-001-02.",
        OccurredAt = new DateTimeOffset(2026, 12, 7, 9, 15, 0, TimeSpan.Zero), IdentificationId = "ts-001-02.c17",
    };

    private static void AnswerImage(DashboardContext context) =>
        context.Backend.On<Mtaeda.Contracts.Identification.V1.GetIdentificationRequest>("GetIdentification", r => new Mtaeda.Contracts.Identification.V1.IdentificationRecord
        {
            IdentificationId = r.IdentificationId, Image = Google.Protobuf.ByteString.CopyFrom(Jpeg),
        });

    /// <summary>A user of <paramref name="role"/> with the match in their feed, identification answering its image.</summary>
    private static DashboardContext WithMatch(string role, string userId)
    {
        var context = new DashboardContext(role, userId);
        AnswerImage(context);
        context.Feed.Set([Match()]);
        return context;
    }

    [Fact]
    public async Task A_supervisor_sees_camera_station_time_alert_level_and_the_image_crop()
    {
        await using var context = WithMatch(Roles.Supervisor, "sup-001");
        var page = context.RenderPage<AlertsPage>();

        page.WaitForAssertion(() => Assert.Equal("data:image/jpeg;base64," + Convert.ToBase64String(Jpeg), page.Find("[data-testid=watch-list-crop]").GetAttribute("src")));
        var alert = page.Find("[data-testid=alert]");
        Assert.Contains("camera cam-001-02", alert.TextContent, StringComparison.Ordinal);
        Assert.Contains("stn-001", alert.TextContent, StringComparison.Ordinal);
        Assert.Contains("2026-12-07 09:15:00 UTC", alert.TextContent, StringComparison.Ordinal);
        Assert.Equal("Alert level High", page.Find("[data-testid=alert-priority]").TextContent.Trim());
        Assert.Equal("ts-001-02.c17", Assert.Single(context.Backend.CallsTo<Mtaeda.Contracts.Identification.V1.GetIdentificationRequest>("GetIdentification")).IdentificationId);
    }

    [Fact]
    public async Task A_click_on_the_crop_enlarges_it_in_a_dialog_that_closes_again()
    {
        await using var context = WithMatch(Roles.Supervisor, "sup-001");
        var page = context.RenderPage<AlertsPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=watch-list-crop]")));
        Assert.Empty(page.FindAll("[data-testid=watch-list-crop-full]"));

        page.Find("[data-testid=watch-list-crop-enlarge]").Click();

        var full = page.WaitForElement("img[data-testid=watch-list-crop-full]");
        Assert.Equal("data:image/jpeg;base64," + Convert.ToBase64String(Jpeg), full.GetAttribute("src"));
        Assert.Null(full.GetAttribute("width"));
        Assert.Contains("ts-001-02.c17", page.Find(".mud-dialog").TextContent, StringComparison.Ordinal);
        // The image was asked for once, for the thumbnail: the dialog shows the same one.
        Assert.Single(context.Backend.CallsTo<Mtaeda.Contracts.Identification.V1.GetIdentificationRequest>("GetIdentification"));

        page.Find("[data-testid=watch-list-crop-close]").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=watch-list-crop-full]")));
    }

    [Theory]
    [InlineData(Roles.Technician)]
    [InlineData(Roles.Viewer)]
    public async Task The_crop_and_its_enlargement_are_not_rendered_for_other_roles_even_when_given_a_match(string role)
    {
        await using var context = new DashboardContext(role, "user-9");
        AnswerImage(context);

        var crop = context.Render<WatchListCrop>(p => p.Add(c => c.User, new DashboardUser("user-9", "u", role, ["*"])).Add(c => c.IdentificationId, "ts-001-02.c17"));

        Assert.Empty(crop.FindAll("[data-testid=watch-list-crop], [data-testid=watch-list-crop-enlarge], [data-testid=watch-list-crop-full]"));
        Assert.Empty(context.Backend.CallsTo<Mtaeda.Contracts.Identification.V1.GetIdentificationRequest>("GetIdentification"));
    }

    [Theory]
    [InlineData(Roles.Technician)]
    [InlineData(Roles.Viewer)]
    public async Task Other_roles_neither_see_the_match_nor_cause_its_image_to_be_asked_for(string role)
    {
        await using var context = WithMatch(role, "user-9");
        var page = context.RenderPage<AlertsPage>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-alerts]")));
        Assert.Empty(page.FindAll("[data-testid=watch-list-crop]"));
        Assert.Empty(context.Backend.CallsTo<Mtaeda.Contracts.Identification.V1.GetIdentificationRequest>("GetIdentification"));
        Assert.Null(await new WatchListApi(context.Backend.Services, new Mtaeda.Dashboard.Backend.Reachability()).CropAsync(
            new DashboardUser("user-9", "u", role, ["*"]), "ts-001-02.c17", Xunit.TestContext.Current.CancellationToken));
        Assert.Empty(context.Backend.CallsTo<Mtaeda.Contracts.Identification.V1.GetIdentificationRequest>("GetIdentification"));
    }
}
