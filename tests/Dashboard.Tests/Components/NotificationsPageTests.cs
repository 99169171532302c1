using System.Net;
using Bunit;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Components.Pages;
using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Tests.Components;

public sealed class NotificationsPageTests
{
    private static DashboardContext With(string role)
    {
        var context = new DashboardContext(role, "user-1");
        context.Notifications
            .On("GET v1/notification-configurations", _ => (HttpStatusCode.OK, """{"configurations":[{"configurationId":"cfg-1","name":"Night shift","eventKinds":["TurnstileLocked"],"stationIds":[],"minimumPriority":"MAINTENANCE_PRIORITY_HIGH","channel":"CHANNEL_EMAIL","target":"night@example.org","template":"{{title}}"}]}"""))
            .On("GET v1/notification-deliveries", _ => (HttpStatusCode.OK, """{"deliveries":[{"deliveryId":"d-1","configurationId":"cfg-1","alertId":"a-1","channel":"CHANNEL_WEBHOOK","target":"https://hooks.example.org","status":"DELIVERY_STATUS_FAILED","attempts":5,"error":"503 from target","lastAttemptAt":"2026-12-07T01:00:00Z"}]}"""));
        return context;
    }

    [Fact]
    public async Task The_configurations_and_the_delivery_log_are_listed()
    {
        await using var context = With(Roles.Viewer);

        var page = context.RenderPage<NotificationsPage>();

        Assert.Contains("Night shift", page.Find("[data-testid=configurations]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("button[data-testid=new-configuration]"));
        page.FindAll("[role=tab]")[1].Click();
        Assert.Contains("503 from target", page.Find("[data-testid=deliveries]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_configuration_is_refused_before_sending()
    {
        await using var context = With(Roles.Supervisor);
        var page = context.RenderPage<NotificationsPage>();

        page.Find("button[data-testid=new-configuration]").Click();
        page.Find("button[data-testid=save-configuration]").Click();

        Assert.DoesNotContain(context.Notifications.Requests, r => r.Route.StartsWith("POST", StringComparison.Ordinal));
        Assert.Contains("Choose at least one event kind.", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_refused_by_notifications_shows_its_own_message()
    {
        await using var context = With(Roles.Supervisor);
        context.Notifications.On("POST v1/notification-configurations", _ => (HttpStatusCode.BadRequest,
            """{"title":"One or more validation errors occurred.","status":400,"errors":{"template":["refers to an unknown field 'colour'"]}}"""));
        var page = context.RenderPage<NotificationsPage>();

        page.Find("button[data-testid=new-configuration]").Click();
        page.Find("input[data-testid=field-name]").Input("Day shift");
        page.Find("input[data-testid=field-kinds]").Input("TurnstileLocked");
        page.Find("textarea[data-testid=field-template]").Input("{{colour}}");
        await page.Find("button[data-testid=save-configuration]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("template: refers to an unknown field 'colour'", page.Find("[data-testid=command-error]").TextContent, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Channels.Email, "not-an-address", "Target")]
    [InlineData(Channels.Webhook, "ftp://example.org/hook", "Target")]
    [InlineData("CHANNEL_PIGEON", "", "Channel")]
    public void A_target_must_fit_its_channel(string channel, string target, string field)
    {
        var configuration = new NotificationConfiguration { Name = "x", EventKinds = ["TurnstileLocked"], Template = "{{title}}", Channel = channel, Target = target };

        Assert.Contains(configuration.Problems(), p => p.Field == field);
    }

    [Fact]
    public void A_dashboard_configuration_needs_no_target()
    {
        var configuration = new NotificationConfiguration { Name = "x", EventKinds = ["TurnstileLocked"], Template = "{{title}}", Channel = Channels.Dashboard };

        Assert.Empty(configuration.Problems());
    }
}
