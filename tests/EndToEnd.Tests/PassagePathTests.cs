using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocalDapr.Runner;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>The passage path end to end, device to ridership, through the runner on the embedded default.</summary>
[Collection(nameof(MtaedaSystem))]
public sealed class PassagePathTests(MtaedaSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_simulated_passage_is_counted_by_ridership_exactly_once()
    {
        var before = await system.Ridership.GetNetworkTotalsAsync(new GetNetworkTotalsRequest(), cancellationToken: Ct);

        var sent = await system.SimulateAsync(["--provision", "--stations", "3", "--turnstiles-per-station", "4", "--passages", "6000", "--seed", "42"], Ct);

        Assert.Equal(6000, sent.Passages);
        Assert.Equal(0, sent.Rejected);
        var counted = await system.WaitForTotalsAsync(before, sent);
        Assert.Equal(sent.Ingress, counted.Ingress - before.Ingress);
        Assert.Equal(sent.Egress, counted.Egress - before.Egress);
    }

    [Fact]
    public async Task Ridership_totals_answer_http_json_through_the_sidecar()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("dapr-api-token", system.ApiToken);

        using var doc = JsonDocument.Parse(await http.GetStringAsync($"{system.SidecarHttp("simulator")}/v1.0/invoke/ridership/method/v1/ridership/totals", Ct));

        Assert.True(doc.RootElement.TryGetProperty("ingress", out _));
        Assert.True(doc.RootElement.TryGetProperty("egress", out _));
    }

    [Fact]
    public async Task A_jam_reported_by_a_device_locks_the_turnstile_which_refuses_passages_until_restored()
    {
        await system.ProvisionAsync("stn-jam", "Jam Junction", "red", 1_000_000, "ts-jam-01");
        var from = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1));

        // The turnstile itself, over the gateway's device port with its own certificate from the station CA.
        using var certificates = DevCertificates.Ensure(system.CertsDir);
        using var certificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, "ts-jam-01", "stn-jam");
        await using var device = await TestDevice.ConnectAsync(new Uri($"https://localhost:{system.DevicePort}"), "ts-jam-01", certificate, certificates.Ca, Ct);
        await device.SendAsync(device.Passage(PassageDirection.Ingress), device.Fault(FaultKind.Jammed, "coin in the mechanism"));

        // Equipment records the fault as TurnstileLocked, and the gateway tells the device.
        await device.WaitForAsync(d => d.StatusChanges.Any(c => c.Status == TurnstileStatus.Locked), "the device to be told it is LOCKED");
        Assert.Equal(TurnstileStatus.Locked, (await system.Equipment.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-jam-01" }, cancellationToken: Ct)).Status);

        // A passage while locked is refused for good, and the device is told which one.
        var whileLocked = device.Passage(PassageDirection.Ingress);
        await device.SendAsync(whileLocked);
        await device.WaitForAsync(d => d.Rejections.Any(r => r.LastSequence >= whileLocked.Sequence), "the passage made while locked to be refused");
        var refused = Assert.Single(device.Rejections);
        Assert.Equal((RejectionReason.OutOfService, whileLocked.Sequence, whileLocked.Sequence), (refused.Reason, refused.FirstSequence, refused.LastSequence));

        await system.Equipment.RestoreTurnstileAsync(new RestoreTurnstileRequest { TurnstileId = "ts-jam-01", Reason = "cleared" }, cancellationToken: Ct);
        await device.WaitForAsync(d => d.StatusChanges.Any(c => c.Status == TurnstileStatus.Operational), "the device to be told it is OPERATIONAL again");
        var afterRestore = device.Passage(PassageDirection.Ingress);
        await device.SendAsync(afterRestore);
        await device.WaitForAsync(d => d.Forwarded >= afterRestore.Sequence, "the passage after the restore to be forwarded");
        Assert.Single(device.Rejections);

        // Ridership counts the passage before the jam and the one after the restore, never the refused one.
        await Eventually.UntilAsync(async () => (await system.Ridership.GetTurnstileRidershipAsync(new GetTurnstileRidershipRequest
        {
            TurnstileId = "ts-jam-01", StartTime = from, EndTime = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(2)),
        }, cancellationToken: Ct)).Ingress == 2, "ridership to count the two passages that were let through", cancellationToken: Ct);
    }

    [Fact]
    public async Task Closing_a_station_decommissions_its_equipment_through_events()
    {
        string[] turnstiles = ["ts-close-01", "ts-close-02"];
        await system.ProvisionAsync("stn-close", "Closing Circus", "blue", 1_000_000, turnstiles);
        // The station learns its inventory from TurnstileInstalled events.
        await Eventually.UntilAsync(async () => (await system.Stations.GetStationAsync(new GetStationRequest { StationId = "stn-close" }, cancellationToken: Ct)).TurnstileIds.Count == 2, "the station's inventory", cancellationToken: Ct);

        await system.Stations.CloseStationAsync(new CloseStationRequest { StationId = "stn-close", Reason = "renovation" }, cancellationToken: Ct);

        foreach (var id in turnstiles)
        {
            await Eventually.UntilAsync(async () => (await system.Equipment.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = id }, cancellationToken: Ct)).Status == TurnstileStatus.Decommissioned, $"{id} decommissioned", cancellationToken: Ct);
        }
    }

    [Fact]
    public Task Equipment_paused_for_30_seconds_while_devices_send_loses_no_passage() => system.NoPassageLostAcrossAsync(seed: 9, seconds: 45, async () =>
    {
        var equipment = system.EquipmentPid();
        ProcessTree.Signal(equipment, 19); // SIGSTOP: the process is there but answers nothing
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), Ct); // the outage itself is what is being tested
        }
        finally
        {
            ProcessTree.Signal(equipment, 18); // SIGCONT
        }
    });

    [Fact]
    public Task Equipment_killed_and_kept_down_for_30_seconds_while_devices_send_then_started_again_loses_no_passage() => system.NoPassageLostAcrossAsync(seed: 13, seconds: 50, async () =>
    {
        var killed = system.EquipmentPid();
        system.HoldEquipment(true);
        try
        {
            ProcessTree.Signal(killed, 9); // SIGKILL: no shutdown, whatever was in flight is lost with the process
            await Task.Delay(TimeSpan.FromSeconds(30), Ct); // the outage itself is what is being tested
        }
        finally
        {
            system.HoldEquipment(false);
        }
        await Eventually.UntilAsync(() => Task.FromResult(system.RunningEquipmentPid() is { } pid && pid != killed), "equipment started again", cancellationToken: Ct);
        Assert.NotEqual(killed, system.EquipmentPid());
    });
}
