using Bunit;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Components.Pages;

namespace Mtaeda.Dashboard.Tests.Components;

public sealed class NotificationsPageTests
{
    private static DashboardContext With(string role)
    {
        var context = new DashboardContext(role, "user-1");
        context.Backend
            .On<ListNotificationConfigurationsRequest>("ListNotificationConfigurations", _ => new ListNotificationConfigurationsResponse
            {
                Configurations =
                {
                    new NotificationConfiguration
                    {
                        ConfigurationId = "cfg-1", Name = "Night shift", EventKinds = { NotificationEventKind.TurnstileLocked }, MinimumPriority = MaintenancePriority.High,
                        Channels = new NotificationChannels { Email = new EmailChannel { To = { "night@example.org" } } }, Template = new NotificationTemplate { Body = "{title}" },
                    },
                },
            })
            .On<ListDeliveriesRequest>("ListDeliveries", _ => new ListDeliveriesResponse
            {
                Deliveries =
                {
                    new Delivery
                    {
                        DeliveryId = "d-1", ConfigurationId = "cfg-1", AlertId = "a-1", Channel = ChannelKind.Webhook, Target = "https://hooks.example.org",
                        Status = DeliveryStatus.Failed, Attempts = 5, LastError = "503 from target", CreatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    },
                },
            });
        return context;
    }

    [Fact]
    public async Task The_configurations_and_the_delivery_log_are_listed()
    {
        await using var context = With(Roles.Viewer);

        var page = context.RenderPage<NotificationsPage>();

        Assert.Contains("Night shift", page.Find("[data-testid=configurations]").TextContent, StringComparison.Ordinal);
        Assert.Contains("e-mail night@example.org", page.Find("[data-testid=configurations]").TextContent, StringComparison.Ordinal);
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

        Assert.Empty(context.Backend.CallsTo<CreateNotificationConfigurationRequest>("CreateNotificationConfiguration"));
        Assert.Contains("Choose at least one event kind.", page.Markup, StringComparison.Ordinal);
        Assert.Contains("Give the configuration a name.", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_refused_by_notifications_shows_its_own_message()
    {
        await using var context = With(Roles.Supervisor);
        context.Backend.On<CreateNotificationConfigurationRequest>("CreateNotificationConfiguration", _ => throw Errors.InvalidArgument("configuration.template.body", "names an unknown field 'colour'"));
        var page = context.RenderPage<NotificationsPage>();

        page.Find("button[data-testid=new-configuration]").Click();
        page.Find("input[data-testid=field-name]").Input("Day shift");
        page.Find("input[data-testid=kind-TurnstileLocked]").Change(true);
        page.Find("textarea[data-testid=field-body]").Input("{colour}");
        page.Find("button[data-testid=save-configuration]").Click();

        page.WaitForAssertion(() => Assert.Contains("configuration.template.body: names an unknown field 'colour'", page.Find("[data-testid=command-error]").TextContent, StringComparison.Ordinal));
        var sent = Assert.Single(context.Backend.CallsTo<CreateNotificationConfigurationRequest>("CreateNotificationConfiguration")).Configuration;
        Assert.Equal(("Day shift", NotificationEventKind.TurnstileLocked, true, "{colour}"), (sent.Name, Assert.Single(sent.EventKinds), sent.Channels.Dashboard, sent.Template.Body));
    }

    [Theory]
    [InlineData("not-an-address", "", "", "EmailTo")]
    [InlineData("", "ftp://example.org/hook", "hook-secret", "WebhookUrl")]
    [InlineData("", "https://example.org/hook", "", "WebhookSecretName")]
    public void A_channel_must_be_complete(string email, string webhook, string secret, string field)
    {
        var form = new ConfigurationForm { Name = "x", EventKinds = [NotificationEventKind.TurnstileLocked], Body = "{title}", EmailTo = email, WebhookUrl = webhook, WebhookSecretName = secret };

        Assert.Contains(form.Problems(), p => p.Field == field);
    }

    [Fact]
    public void A_configuration_without_any_channel_is_refused_and_a_dashboard_one_needs_no_target()
    {
        var form = new ConfigurationForm { Name = "x", EventKinds = [NotificationEventKind.TurnstileLocked], Body = "{title}", Dashboard = false };
        Assert.Contains(form.Problems(), p => p.Field == nameof(ConfigurationForm.Dashboard));

        form.Dashboard = true;
        Assert.Empty(form.Problems());
    }
}
