using System.Text.RegularExpressions;
using Grpc.Core.Interceptors;
using LocalDapr.Runner;
using Microsoft.Playwright;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Testing;
using static Microsoft.Playwright.Assertions;

namespace Mtaeda.Dashboard.Tests.Browser;

/// <summary>The dashboard in Chromium against the whole system started by the runner; each test on a station of its own.</summary>
[Collection(nameof(DashboardSystem))]
public sealed class DashboardBrowserTests(DashboardSystem system)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Scheduling.SchedulingClient SchedulingClient => new(system.Invoker("scheduling"));

    [Fact]
    public async Task A_supervisor_signs_in_and_sees_the_stations_and_their_passages_update()
    {
        await ProvisionAsync("stn-dash-a", "Dash Depot", "ts-dash-a1");
        var page = await system.SignInAsync("supervisor", screenshot: "01-sign-in.png");

        await Expect(page.Locator("[data-testid=stations]")).ToContainTextAsync("Dash Depot", new() { Timeout = 60_000 });
        await using (var device = await ConnectAsync("ts-dash-a1", "stn-dash-a"))
        {
            await device.SendAsync([.. Enumerable.Range(0, 7).Select(_ => device.Passage(PassageDirection.Ingress))]);
            await device.WaitForAsync(d => d.Forwarded >= 7, "the passages to be forwarded");
        }

        // The figure is read again every second; the passages of this minute show without a reload.
        await Expect(page.Locator("[data-testid=passages-stn-dash-a]")).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"), new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid=passages-chart]")).ToBeVisibleAsync();
        await DashboardSystem.ScreenshotAsync(page, "02-network.png");
    }

    [Fact]
    public async Task A_jammed_turnstiles_work_order_is_assigned_started_and_completed_from_the_page_and_the_turnstile_is_back_in_service()
    {
        await ProvisionAsync("stn-dash-b", "Bolt Bridge", "ts-dash-b1");
        await JamAsync("ts-dash-b1", "stn-dash-b");
        var order = await OpenWorkOrderAsync("stn-dash-b");
        var page = await system.SignInAsync("supervisor");

        await system.OpenAsync(page, "/work-orders");
        var actions = page.Locator($"[data-testid=actions-{order}]");
        await actions.Locator("div.mud-select").First.ClickAsync(); // MudSelect opens its list on a pointer-down in its input control
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "tech-003" }).ClickAsync();
        await actions.Locator($"[data-testid=assign-{order}]").ClickAsync();
        await actions.Locator($"[data-testid=start-{order}]").ClickAsync();
        await actions.Locator($"[data-testid=complete-{order}]").ClickAsync();
        await actions.Locator($"input[data-testid=text-{order}]").FillAsync("coin removed, mechanism cleaned");
        // While the notes are written, the row shows the editor alone, not its "Complete…"/"Cancel…" buttons.
        await Expect(actions.Locator($"[data-testid=complete-{order}], [data-testid=cancel-{order}]")).ToHaveCountAsync(0);
        await DashboardSystem.ScreenshotAsync(page, "03-work-orders.png");
        await actions.Locator($"[data-testid=confirm-{order}]").ClickAsync();

        await Expect(page.Locator($"[data-testid=order-{order}]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        var completed = await SchedulingClient.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = order }, cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Completed, "tech-003", "coin removed, mechanism cleaned"), (completed.Status, completed.TechnicianId, completed.Notes));

        await system.OpenAsync(page, "/stations/stn-dash-b");
        await Expect(page.Locator("[data-testid=turnstile-ts-dash-b1]")).ToHaveTextAsync("In service", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid=history]")).ToContainTextAsync(order);
        await DashboardSystem.ScreenshotAsync(page, "04-station.png");
    }

    [Fact]
    public async Task A_viewer_sees_no_assign_button_and_the_API_refuses_the_viewers_call()
    {
        await ProvisionAsync("stn-dash-c", "Cinder Cross", "ts-dash-c1");
        await JamAsync("ts-dash-c1", "stn-dash-c");
        var order = await OpenWorkOrderAsync("stn-dash-c");
        var page = await system.SignInAsync("viewer");

        await system.OpenAsync(page, "/work-orders");

        await Expect(page.Locator($"[data-testid=order-{order}]")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("button[data-testid^=assign-], button[data-testid^=start-], button[data-testid^=complete-], button[data-testid^=cancel-]").CountAsync());
        await DashboardSystem.ScreenshotAsync(page, "05-work-orders-viewer.png");

        // The API half: scheduling itself refuses the viewer's assign made through the dashboard's sidecar with the viewer's
        // token, as the dashboard forwards it, and a call from the dashboard's app id without a token; the supervisor's passes.
        var assign = new AssignWorkOrderRequest { WorkOrderId = order, TechnicianId = "tech-003" };
        Scheduling.SchedulingClient Through(string? token) => new(system.Invoker("scheduling", via: "dashboard").Intercept(m =>
        {
            if (token is not null) m.Add("authorization", "Bearer " + token);
            return m;
        }));
        var viewer = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => Through(system.UserToken("viewer", "val")).AssignWorkOrderAsync(assign, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, viewer.StatusCode);
        var anonymous = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => Through(null).AssignWorkOrderAsync(assign, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(WorkOrderStatus.Created, (await SchedulingClient.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = order }, cancellationToken: Ct)).Status);
        var assigned = await Through(system.UserToken("supervisor", "sam")).AssignWorkOrderAsync(assign, cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Assigned, "sam"), (assigned.Status, assigned.LastChangedBy));
    }

    [Fact]
    public async Task A_service_that_stops_answering_shows_reconnecting_and_the_page_recovers_without_a_reload()
    {
        var page = await system.SignInAsync("supervisor");
        await system.OpenAsync(page, "/work-orders");
        await Expect(page.Locator("[data-testid=open-work-orders]")).ToBeVisibleAsync();
        var scheduling = system.RunningPid("scheduling") ?? throw new InvalidOperationException("scheduling is not running");

        ProcessTree.Signal(scheduling, 19); // SIGSTOP: the process is there but answers nothing
        try
        {
            await Expect(page.Locator("[data-testid=reconnecting]")).ToContainTextAsync("scheduling", new() { Timeout = 30_000 });
            await DashboardSystem.ScreenshotAsync(page, "06-reconnecting.png");
        }
        finally
        {
            ProcessTree.Signal(scheduling, 18); // SIGCONT
        }

        await Expect(page.Locator("[data-testid=reconnecting]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task A_jam_appears_as_a_live_alert_without_a_reload_and_is_acknowledged()
    {
        var page = await system.SignInAsync("supervisor");
        await system.OpenAsync(page, "/alerts");
        await DashboardSystem.ScreenshotAsync(page, "07-alerts.png");
        await Expect(page.Locator("[data-testid=hub-state]")).ToHaveTextAsync("live", new() { Timeout = 60_000 });
        await ProvisionAsync("stn-dash-d", "Delta Dock", "ts-dash-d1");

        await JamAsync("ts-dash-d1", "stn-dash-d");

        var first = page.Locator("[data-testid=alert]", new() { HasText = "ts-dash-d1" }).First;
        await Expect(first).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // The jam raises several alerts (the fault, the maintenance request, the work order), pushed one after another and
        // each put on top: hold on to one alert by its id, or a later one takes the first place between click and check.
        var id = await first.GetAttributeAsync("data-alert-id") ?? throw new InvalidOperationException("an alert without an id");
        var alert = page.Locator($"[data-testid=alert][data-alert-id='{id}']");
        await Expect(alert).ToHaveClassAsync(new Regex("alert-fresh"));
        await DashboardSystem.ScreenshotAsync(page, "07-alerts.png");
        await alert.Locator("[data-testid=acknowledge]").ClickAsync();
        await Expect(alert.Locator("[data-testid=acknowledged]")).ToContainTextAsync("Acknowledged by Sam Supervisor");
    }

    [Fact]
    public async Task A_listed_offenders_capture_shows_its_watch_list_alert_with_the_image_to_a_supervisor_and_nothing_to_a_technician()
    {
        var supervisor = await system.SignInAsync("supervisor");
        await system.OpenAsync(supervisor, "/alerts");
        await Expect(supervisor.Locator("[data-testid=hub-state]")).ToHaveTextAsync("live", new() { Timeout = 60_000 });
        var technician = await system.SignInAsync("technician");
        await system.OpenAsync(technician, "/alerts");
        await Expect(technician.Locator("[data-testid=hub-state]")).ToHaveTextAsync("live", new() { Timeout = 60_000 });
        await ProvisionAsync("stn-dash-w", "Watch Wharf", "ts-dash-w1");
        await system.Equipment.InstallCameraAsync(new InstallCameraRequest
        {
            CameraId = "cam-dash-w1", TurnstileId = "ts-dash-w1",
            Model = new Mtaeda.Contracts.Common.V1.EquipmentInfo { SerialNumber = "SN-cam-dash-w1", Name = "FaceCam", ModelNumber = "FC2", Manufacturer = "Acme" },
        }, cancellationToken: Ct);
        var identification = new Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient(system.Invoker("identification"));
        var random = new Random(5);
        var face = Mtaeda.Simulator.Faces.Offender(5, 1, 512);
        var listed = new Mtaeda.Contracts.Identification.V1.FaceTemplate { TemplateId = "t-1" };
        listed.Values.AddRange(face);
        await identification.AddOffenderAsync(new Mtaeda.Contracts.Identification.V1.AddOffenderRequest
        {
            OffenderId = "off-dash-1", CaseReference = "case-dash-1", AlertLevel = Mtaeda.Contracts.Identification.V1.AlertLevel.Medium, ChangedBy = "officer-2", Templates = { listed },
        }, cancellationToken: Ct);

        // The offender passes, captured with a crop, until identification knows the camera (learnt from CameraInstalled).
        await using var device = await ConnectAsync("ts-dash-w1", "stn-dash-w");
        var alert = supervisor.Locator("[data-testid=alert][data-kind=NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED]", new() { HasText = "stn-dash-w" }).First;
        for (var attempt = 0; !await alert.IsVisibleAsync(); attempt++)
        {
            Assert.True(attempt < 30, "no watch-list alert appeared for 30 captures of the listed offender");
            var capture = Mtaeda.Simulator.Faces.CaptureOf(face, random);
            await device.SendAsync(device.FaceCapture("cam-dash-w1", PassageDirection.Ingress, capture, Mtaeda.Simulator.Faces.Crop(capture)));
            try
            {
                await Expect(alert).ToBeVisibleAsync(new() { Timeout = 5_000 });
            }
            catch (PlaywrightException)
            {
                // Refused while identification did not know the camera yet: the next capture is sent.
            }
        }
        await Expect(alert).ToContainTextAsync("camera cam-dash-w1");
        await Expect(alert).ToContainTextAsync("off-dash-1");
        await Expect(alert.Locator("[data-testid=alert-priority]")).ToHaveTextAsync("Alert level Medium");
        var crop = alert.Locator("img[data-testid=watch-list-crop]");
        await Expect(crop).ToHaveAttributeAsync("src", new Regex("^data:image/jpeg;base64,"));
        // The crop is a JPEG the browser decodes: 64 by 64 pixels.
        await Eventually.UntilAsync(async () => await crop.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : 0") == 64, "the crop to be decoded", Patience, Ct);
        await DashboardSystem.ScreenshotAsync(supervisor, "09-watch-list-alert.png");
        // A click enlarges it in a dialog, as wide as the dialog.
        await alert.Locator("[data-testid=watch-list-crop-enlarge]").ClickAsync();
        var full = supervisor.Locator("img[data-testid=watch-list-crop-full]");
        await Expect(full).ToBeVisibleAsync();
        Assert.True(await full.EvaluateAsync<double>("img => img.getBoundingClientRect().width") >= 256, "the enlarged crop is at least 256 px wide");
        await DashboardSystem.ScreenshotAsync(supervisor, "10-watch-list-crop-enlarged.png");
        await supervisor.Locator("[data-testid=watch-list-crop-close]").ClickAsync();
        await Expect(full).ToHaveCountAsync(0);

        // The technician's page got neither the alert nor any image (a jam of the same turnstile afterwards does show).
        await device.SendAsync(device.Fault(FaultKind.Jammed, "coin in the mechanism"));
        await Expect(technician.Locator("[data-testid=alert]", new() { HasText = "ts-dash-w1" }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(technician.Locator("[data-testid=alert][data-kind=NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED]")).ToHaveCountAsync(0);
        Assert.DoesNotContain("data:image/jpeg", await technician.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_hub_connection_shows_reconnecting_and_recovers()
    {
        var page = await system.SignInAsync("supervisor");
        await system.OpenAsync(page, "/alerts");
        await Expect(page.Locator("[data-testid=hub-state]")).ToHaveTextAsync("live", new() { Timeout = 60_000 });
        var notifications = system.RunningPid("notifications") ?? throw new InvalidOperationException("notifications is not running");

        ProcessTree.Signal(notifications, 9); // killed: the runner starts it again
        await Expect(page.Locator("[data-testid=reconnecting]")).ToContainTextAsync("live alerts", new() { Timeout = 60_000 });

        await Expect(page.Locator("[data-testid=hub-state]")).ToHaveTextAsync("live", new() { Timeout = 120_000 });
        await Expect(page.Locator("[data-testid=reconnecting]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_notification_configurations_page_shows_for_a_supervisor()
    {
        var page = await system.SignInAsync("supervisor");

        await system.OpenAsync(page, "/notifications");

        await Expect(page.Locator("[data-testid=configurations]")).ToBeVisibleAsync();
        await DashboardSystem.ScreenshotAsync(page, "08-notifications.png");
    }

    private async Task ProvisionAsync(string stationId, string name, params string[] turnstiles)
    {
        await system.ProvisionAsync(stationId, name, "green", 1_000_000, turnstiles);
        await Eventually.UntilAsync(async () => (await system.Stations.GetStationAsync(new GetStationRequest { StationId = stationId }, cancellationToken: Ct)).TurnstileIds.Count == turnstiles.Length,
            $"{stationId}'s inventory", Patience, Ct);
    }

    private async Task<TestDevice> ConnectAsync(string turnstileId, string stationId)
    {
        using var certificates = DevCertificates.Ensure(system.CertsDir);
        using var certificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, turnstileId, stationId);
        return await TestDevice.ConnectAsync(new Uri($"https://localhost:{system.DevicePort}"), turnstileId, certificate, certificates.Ca, Ct);
    }

    private async Task JamAsync(string turnstileId, string stationId)
    {
        await using var device = await ConnectAsync(turnstileId, stationId);
        await device.SendAsync(device.Fault(FaultKind.Jammed, "coin in the mechanism"));
        await device.WaitForAsync(d => d.StatusChanges.Any(c => c.Status == TurnstileStatus.Locked), "the device to be told it is LOCKED");
    }

    private async Task<string> OpenWorkOrderAsync(string stationId)
    {
        var id = string.Empty;
        await Eventually.UntilAsync(async () =>
        {
            var open = await SchedulingClient.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = stationId, Open = true }, cancellationToken: Ct);
            id = open.WorkOrders.FirstOrDefault()?.WorkOrderId ?? string.Empty;
            return id.Length > 0;
        }, $"a work order for {stationId}", Patience, Ct);
        return id;
    }
}
