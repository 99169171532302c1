using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>From a device's fault to the supervisors' browsers: the notifications hub, through the runner on the embedded default.</summary>
[Collection(nameof(MtaedaSystem))]
public sealed class NotificationsTests(MtaedaSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turnstile_jam_reported_by_a_device_is_pushed_as_an_alert_to_a_connected_supervisor()
    {
        await system.ProvisionAsync("stn-alert", "Alert Avenue", "blue", 1_000_000, "ts-alert-01");
        var alerts = Channel.CreateUnbounded<PushedAlert>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl($"http://127.0.0.1:{system.HubPort}/hubs/operations",
                options => options.AccessTokenProvider = () => Task.FromResult<string?>(system.HubIssuer.Token("supervisor", "*", sub: "sam")))
            .Build();
        hub.On<PushedAlert>("alert", alert => alerts.Writer.TryWrite(alert));
        await hub.StartAsync(Ct);

        using var certificates = DevCertificates.Ensure(system.CertsDir);
        using var certificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, "ts-alert-01", "stn-alert");
        await using var device = await TestDevice.ConnectAsync(new Uri($"https://localhost:{system.DevicePort}"), "ts-alert-01", certificate, certificates.Ca, Ct);
        await device.SendAsync(device.Fault(FaultKind.Jammed, "ticket jammed in the reader"));

        PushedAlert alert;
        do
        {
            alert = await alerts.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
        while (alert.DeviceId != "ts-alert-01");
        Assert.Equal(("NOTIFICATION_EVENT_KIND_TURNSTILE_LOCKED", "stn-alert", "MAINTENANCE_PRIORITY_HIGH"), (alert.Kind, alert.StationId, alert.Priority));
        Assert.Equal("ticket jammed in the reader", alert.Text);
    }

    /// <summary>The hub's <c>alert</c> message, as the dashboard reads it.</summary>
    private sealed record PushedAlert(string Id, string Kind, string StationId, string DeviceId, string Priority, string Title, string Text, DateTimeOffset OccurredAt, string? WorkOrderId);
}
