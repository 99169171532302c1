using Grpc.Core;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

public sealed class GatewayIntegrationTests
{
    [Fact]
    public async Task Passages_flow_to_equipment_through_the_sidecars_and_are_acknowledged()
    {
        await using var host = await GatewayTestHost.StartAsync();
        await using var a = await host.ConnectAsync("ts-001-01");
        await using var b = await host.ConnectAsync("ts-001-02");
        Assert.Equal(("ts-001-01", "stn-001", 0ul, TurnstileStatus.Operational), (a.Welcome.DeviceId, a.Welcome.StationId, a.Welcome.AcceptedThrough, a.Welcome.Status));

        for (var i = 0; i < 40; i++)
        {
            await a.SendAsync(a.Passage(i % 4 == 0 ? PassageDirection.Egress : PassageDirection.Ingress));
            await b.SendAsync(b.Passage(PassageDirection.Ingress), b.Passage(PassageDirection.Egress));
        }
        await a.SendAsync(a.Heartbeat());

        await a.WaitForAsync(d => d.Forwarded == 41, "device a's signals to be forwarded");
        await b.WaitForAsync(d => d.Forwarded == 80, "device b's signals to be forwarded");
        Assert.Equal((41ul, 80ul), (a.Accepted, b.Accepted));
        Assert.Equal(30 + 40, host.Equipment.Ingress);
        Assert.Equal(10 + 40, host.Equipment.Egress);
        Assert.Equal(0, host.Equipment.Duplicates);
        Assert.All(host.Equipment.Recorded.Values, r => Assert.StartsWith(r.TurnstileId + ".p", r.BatchId));
        Assert.Empty(a.Rejections);
        Assert.Equal(0, host.JournalDepth);
    }

    [Fact]
    public async Task The_device_port_serves_the_device_service_only()
    {
        await using var host = await GatewayTestHost.StartAsync();
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { BaseAddress = host.DeviceEndpoint, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        // The device port listens on every address for devices; Dapr's callbacks and the metrics are the sidecar's and the
        // scraper's, on the app port, and a stranger reaching the device port gets none of them.
        foreach (var path in new[] { "/dapr/subscribe", "/metrics", "/dapr/config" })
        {
            using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        }
        await using var device = await host.ConnectAsync("ts-001-01");
        Assert.Equal("ts-001-01", device.Welcome.DeviceId);
    }

    [Fact]
    public async Task A_replayed_signal_is_ignored_and_acknowledged_again()
    {
        await using var host = await GatewayTestHost.StartAsync();
        await using var device = await host.ConnectAsync("ts-001-01");
        var first = device.Passage(PassageDirection.Ingress);
        await device.SendAsync(first);
        await device.WaitForAsync(d => d.Forwarded == 1, "the passage to be forwarded");

        await device.SendAsync(first, first);
        var second = device.Passage(PassageDirection.Ingress);
        await device.SendAsync(second);
        await device.WaitForAsync(d => d.Forwarded == 2, "the next passage to be forwarded");

        Assert.Equal(2, host.Equipment.Ingress);
    }

    [Fact]
    public async Task A_device_without_a_certificate_of_the_station_ca_is_refused()
    {
        await using var host = await GatewayTestHost.StartAsync();

        // No certificate, or one of another CA with the same device id: refused with the reason, before any signal is read.
        var none = await Assert.ThrowsAsync<RpcException>(() => TestDevice.ConnectAsync(host.DeviceEndpoint, "ts-001-01", null, host.Certificates.Ca, TestContext.Current.CancellationToken));
        Assert.Equal((StatusCode.Unauthenticated, "device certificate refused: no client certificate"), (none.StatusCode, none.Status.Detail));

        using var otherCa = DevCertificates.CreateCa("Some Other CA");
        using var forged = DevCertificates.IssueDeviceCertificate(otherCa, "ts-001-01");
        var other = await Assert.ThrowsAsync<RpcException>(() => TestDevice.ConnectAsync(host.DeviceEndpoint, "ts-001-01", forged, host.Certificates.Ca, TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.Unauthenticated, other.StatusCode);
        Assert.StartsWith("device certificate refused:", other.Status.Detail, StringComparison.Ordinal);

        Assert.Empty(host.Equipment.Calls);
    }

    [Fact]
    public async Task In_production_the_certificates_come_from_files_and_are_never_generated()
    {
        await using (var host = await GatewayTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:ServerCertificatePath"] = "{certs}/gateway.crt",
            ["Gateway:ServerKeyPath"] = "{certs}/gateway.key",
            ["Gateway:StationCaPath"] = "{certs}/station-ca.crt",
        }, environment: "Production"))
        {
            await using var device = await host.ConnectAsync("ts-001-01");
            await device.SendAsync(device.Passage(PassageDirection.Ingress));
            await device.WaitForAsync(d => d.Forwarded == 1, "the passage");
        }

        using var dir = new TempDirectory();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { EnvironmentName = "Production" });
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration, new Dictionary<string, string?>
        {
            ["GATEWAY_JOURNAL_DIR"] = dir.Sub("journal"),
            ["GATEWAY_CERTS_DIR"] = dir.Sub("certs"),
        });
        var refused = Assert.Throws<InvalidOperationException>(() => builder.AddGateway());
        Assert.Contains("Gateway:ServerCertificatePath", refused.Message);
        Assert.False(Directory.Exists(dir.Sub("certs")));
    }

    [Fact]
    public async Task A_device_claiming_another_device_id_than_its_certificate_is_denied()
    {
        await using var host = await GatewayTestHost.StartAsync();
        var denied = await Assert.ThrowsAsync<RpcException>(() => host.ConnectAsync("ts-001-01", claimedId: "ts-001-02"));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        await using var device = await host.ConnectAsync("ts-001-01");
        await device.SendAsync("ts-001-09", device.Passage(PassageDirection.Ingress));
        var ended = await device.WaitForEndAsync();
        Assert.Equal(StatusCode.PermissionDenied, Assert.IsType<RpcException>(ended).StatusCode);
        Assert.Empty(host.Equipment.Calls);
    }

    [Fact]
    public async Task A_newer_session_of_the_same_device_ends_the_older_one_with_aborted()
    {
        await using var host = await GatewayTestHost.StartAsync();
        await using var older = await host.ConnectAsync("ts-001-01");
        await older.SendAsync(older.Passage(PassageDirection.Ingress));
        await older.WaitForAsync(d => d.Forwarded == 1, "the first passage");

        await using var newer = await host.ConnectAsync("ts-001-01");
        Assert.Equal(1ul, newer.Welcome.AcceptedThrough);
        var ended = await older.WaitForEndAsync();
        Assert.Equal(StatusCode.Aborted, Assert.IsType<RpcException>(ended).StatusCode);

        await newer.SendAsync(newer.Passage(PassageDirection.Egress));
        await newer.WaitForAsync(d => d.Forwarded == 2, "the second passage");
        Assert.Equal((1L, 1L), (host.Equipment.Ingress, host.Equipment.Egress));
    }

    [Fact]
    public async Task While_equipment_is_down_batches_are_journaled_then_each_arrives_once_in_order()
    {
        await using var host = await GatewayTestHost.StartAsync();
        var devices = new List<TestDevice>();
        for (var i = 1; i <= 3; i++) devices.Add(await host.ConnectAsync($"ts-001-0{i}"));
        try
        {
            await host.StopEquipmentAsync();
            for (var round = 0; round < 10; round++)
            {
                foreach (var device in devices) await device.SendAsync(device.Passage(PassageDirection.Ingress), device.Passage(PassageDirection.Egress));
                // Let batches be cut between rounds, so that several queue up per device.
                await Task.WhenAll(devices.Select(d => d.WaitForAsync(x => x.Accepted == x.NextSequence - 1, "the round to be journaled")));
            }
            Assert.All(devices, d => Assert.Equal(20ul, d.Accepted));
            Assert.All(devices, d => Assert.Equal(0ul, d.Forwarded));
            Assert.True(host.JournalDepth >= 3, $"journal depth {host.JournalDepth}");
            Assert.Empty(host.Equipment.Recorded);

            await host.StartEquipmentAsync();
            await Task.WhenAll(devices.Select(d => d.WaitForAsync(x => x.Forwarded == 20, "everything to be forwarded after the outage")));

            Assert.Equal((30L, 30L), (host.Equipment.Ingress, host.Equipment.Egress));
            Assert.Equal(0, host.Equipment.Duplicates);
            foreach (var (turnstile, batches) in host.Equipment.OrderPerTurnstile)
            {
                var firsts = batches.Select(b => b.BatchId).ToList();
                Assert.Equal(firsts.Count, firsts.Distinct().Count());
                var sequences = batches.Select(b => ulong.Parse(b.BatchId.Split(".p")[1].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(sequences.Order(), sequences);
            }
            await Eventually.UntilAsync(() => host.JournalDepth == 0, "the journal to empty", cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            foreach (var device in devices) await device.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_batch_whose_answer_was_lost_is_replayed_and_counted_once()
    {
        await using var host = await GatewayTestHost.StartAsync();
        host.Equipment.LoseAnswers = 3;
        await using var device = await host.ConnectAsync("ts-001-01");
        for (var i = 0; i < 3; i++)
        {
            await device.SendAsync(device.Passage(PassageDirection.Ingress));
            await device.WaitForAsync(d => d.Accepted == d.NextSequence - 1, "the batch to be journaled");
        }

        await device.WaitForAsync(d => d.Forwarded == 3, "the batches to be forwarded");
        Assert.Equal(3, host.Equipment.Recorded.Count);
        Assert.Equal(3, host.Equipment.Duplicates);
        Assert.Equal(3, host.Equipment.Ingress);
    }

    [Fact]
    public async Task Passages_equipment_refuses_are_rejected_to_the_device_and_not_retried()
    {
        await using var host = await GatewayTestHost.StartAsync();
        host.Equipment.Known = ["ts-001-01"];
        await using var unknown = await host.ConnectAsync("ts-404-01");
        Assert.Equal(TurnstileStatus.Unspecified, unknown.Welcome.Status);
        await unknown.SendAsync(unknown.Passage(PassageDirection.Ingress), unknown.Passage(PassageDirection.Egress), unknown.Heartbeat());
        await unknown.WaitForAsync(d => d.Forwarded == 3, "the refusal to be an outcome");
        var rejection = Assert.Single(unknown.Rejections);
        Assert.Equal((1ul, 2ul, RejectionReason.UnknownDevice), (rejection.FirstSequence, rejection.LastSequence, rejection.Reason));

        // A jam reported by the device locks it; the passages after it are refused as out of service.
        await using var device = await host.ConnectAsync("ts-001-01");
        await device.SendAsync(device.Passage(PassageDirection.Ingress), device.Fault(FaultKind.Jammed, "coin mechanism jammed"), device.Passage(PassageDirection.Ingress));
        await device.WaitForAsync(d => d.Forwarded == 3, "the fault and the passages to have outcomes");
        Assert.Equal("ts-001-01.f2", Assert.Single(host.Equipment.Faults).FaultId);
        Assert.Equal(TurnstileStatus.Locked, Assert.Single(device.StatusChanges).Status);
        var refused = Assert.Single(device.Rejections);
        Assert.Equal((3ul, 3ul, RejectionReason.OutOfService), (refused.FirstSequence, refused.LastSequence, refused.Reason));
        Assert.Equal(1, host.Equipment.Ingress);
        Assert.Equal(0, host.JournalDepth);
    }

    [Fact]
    public async Task Passages_refused_because_the_station_is_offline_stay_journaled_and_are_recorded_once_it_is_open()
    {
        await using var host = await GatewayTestHost.StartAsync();
        host.Equipment.StationOffline["ts-001-01"] = 0;
        await using var offline = await host.ConnectAsync("ts-001-01");
        await using var other = await host.ConnectAsync("ts-002-01");

        await offline.SendAsync(offline.Passage(PassageDirection.Ingress), offline.Passage(PassageDirection.Egress));
        await offline.WaitForAsync(d => d.Accepted == 2, "the passages to be journaled");
        await host.Equipment.WaitForAsync(e => Interlocked.Read(ref e.OfflineRefusals) >= 3, "equipment to be asked again while the station is offline");
        // Another station's device is not held up meanwhile.
        await other.SendAsync(other.Passage(PassageDirection.Ingress));
        await other.WaitForAsync(d => d.Forwarded == 1, "the other device's passage");
        Assert.Equal(0ul, offline.Forwarded);
        Assert.Empty(offline.Rejections);
        Assert.True(host.JournalDepth >= 1, $"journal depth {host.JournalDepth}");

        host.Equipment.StationOffline.TryRemove("ts-001-01", out _);
        await offline.WaitForAsync(d => d.Forwarded == 2, "the held passages once the station is open");

        Assert.Empty(offline.Rejections);
        Assert.Equal((2L, 1L), (host.Equipment.Ingress, host.Equipment.Egress));
        Assert.Equal(0, host.Equipment.Duplicates);
    }

    [Fact]
    public async Task An_invalid_signal_is_rejected_naming_the_field_and_the_rest_goes_on()
    {
        await using var host = await GatewayTestHost.StartAsync();
        await using var device = await host.ConnectAsync("ts-001-01");
        var bad = new DeviceSignal { Sequence = device.NextSequence, Passage = new Passage { Direction = PassageDirection.Unspecified }, OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        var good = device.Passage(PassageDirection.Ingress);
        good.Sequence = bad.Sequence + 1;
        await device.SendAsync(bad, good);
        await device.WaitForAsync(d => d.Forwarded == good.Sequence, "the valid passage");
        var rejection = Assert.Single(device.Rejections);
        Assert.Equal((RejectionReason.InvalidSignal, bad.Sequence), (rejection.Reason, rejection.FirstSequence));
        Assert.StartsWith("passage.direction", rejection.Message);
        Assert.Equal(1, host.Equipment.Ingress);
    }

    [Fact]
    public async Task A_restarted_gateway_forwards_what_its_journal_held_and_welcomes_devices_where_they_were()
    {
        await using var host = await GatewayTestHost.StartAsync();
        await host.StopEquipmentAsync();
        await using (var device = await host.ConnectAsync("ts-001-01"))
        {
            for (var i = 0; i < 5; i++) await device.SendAsync(device.Passage(PassageDirection.Ingress));
            await device.WaitForAsync(d => d.Accepted == 5, "the passages to be journaled");
        }
        await host.StopGatewayAsync();
        await host.StartEquipmentAsync();
        await host.StartGatewayAsync();

        await using var again = await host.ConnectAsync("ts-001-01");
        Assert.Equal(5ul, again.Welcome.AcceptedThrough);
        await again.SendAsync(again.Passage(PassageDirection.Egress));
        await again.WaitForAsync(d => d.Forwarded == 6, "the journaled and the new passages to be forwarded");
        Assert.Equal((5L, 1L), (host.Equipment.Ingress, host.Equipment.Egress));
        Assert.Equal(0, host.Equipment.Duplicates);
    }

    [Fact]
    public async Task A_connected_device_hears_of_its_turnstile_being_restored_from_equipment_events()
    {
        await using var host = await GatewayTestHost.StartAsync(new Dictionary<string, string?> { ["Gateway:StatusUpdates"] = "true" });
        await using var device = await host.ConnectAsync("ts-001-01");
        await device.SendAsync(device.Fault(FaultKind.Malfunction, "reader dead"));
        await device.WaitForAsync(d => d.StatusChanges.Count == 1, "the fault's status change");

        using var dapr = new Dapr.Client.DaprClientBuilder().UseGrpcEndpoint(await host.ClientSidecarAsync()).Build();
        await Mtaeda.ServiceDefaults.IntegrationEvents.PublishIntegrationEventAsync(dapr, Mtaeda.Contracts.Topics.Equipment, new PassagesRecorded { TurnstileId = "ts-001-01", BatchId = "x" },
            cancellationToken: TestContext.Current.CancellationToken);
        await Mtaeda.ServiceDefaults.IntegrationEvents.PublishIntegrationEventAsync(dapr, Mtaeda.Contracts.Topics.Equipment, new TurnstileRestored
        {
            TurnstileId = "ts-001-01", StationId = "stn-001", PreviousStatus = TurnstileStatus.Faulted, Reason = "reader replaced",
            RestoredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, cancellationToken: TestContext.Current.CancellationToken);

        await device.WaitForAsync(d => d.StatusChanges.Count == 2, "the restore's status change");
        Assert.Equal([TurnstileStatus.Locked, TurnstileStatus.Operational], device.StatusChanges.Select(c => c.Status));
        Assert.Equal("reader replaced", device.StatusChanges[1].Reason);
    }

    [Fact]
    public async Task A_connected_device_hears_of_its_maintenance_and_of_the_status_it_is_given_back_when_the_maintenance_is_called_off()
    {
        await using var host = await GatewayTestHost.StartAsync(new Dictionary<string, string?> { ["Gateway:StatusUpdates"] = "true" });
        await using var device = await host.ConnectAsync("ts-001-01");
        await device.SendAsync(device.Fault(FaultKind.Jammed, "coin"));
        await device.WaitForAsync(d => d.StatusChanges.Count == 1, "the fault's status change");

        using var dapr = new Dapr.Client.DaprClientBuilder().UseGrpcEndpoint(await host.ClientSidecarAsync()).Build();
        var now = DateTimeOffset.UtcNow;
        await Mtaeda.ServiceDefaults.IntegrationEvents.PublishIntegrationEventAsync(dapr, Mtaeda.Contracts.Topics.Equipment, new TurnstileMaintenanceStarted
        {
            TurnstileId = "ts-001-01", StationId = "stn-001", RequestId = "mr-1", PreviousStatus = TurnstileStatus.Locked, Reason = "technician on site",
            StartedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
        }, cancellationToken: TestContext.Current.CancellationToken);
        await device.WaitForAsync(d => d.StatusChanges.Count == 2, "the maintenance's status change");
        await Mtaeda.ServiceDefaults.IntegrationEvents.PublishIntegrationEventAsync(dapr, Mtaeda.Contracts.Topics.Equipment, new TurnstileRestored
        {
            TurnstileId = "ts-001-01", StationId = "stn-001", PreviousStatus = TurnstileStatus.UnderMaintenance, Status = TurnstileStatus.Locked,
            Reason = "work order cancelled", RequestId = "mr-1", RestoredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now.AddSeconds(1)),
        }, cancellationToken: TestContext.Current.CancellationToken);

        await device.WaitForAsync(d => d.StatusChanges.Count == 3, "the called-off maintenance's status change");
        Assert.Equal([TurnstileStatus.Locked, TurnstileStatus.UnderMaintenance, TurnstileStatus.Locked], device.StatusChanges.Select(c => c.Status));
    }

    [Fact]
    public async Task A_device_silent_past_its_deadline_is_reported_offline_and_back_online()
    {
        await using var host = await GatewayTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:HeartbeatInterval"] = "00:00:00.2",
            ["Gateway:OfflineAfter"] = "00:00:00.6",
        });
        await using var device = await host.ConnectAsync("ts-001-01");
        Assert.Equal(TimeSpan.FromMilliseconds(600), device.Welcome.OfflineAfter.ToTimeSpan());
        await device.SendAsync(device.Heartbeat());

        await host.Equipment.WaitForAsync(e => e.GatewayEvents.Any(x => x.Type == "mtaeda.gateway.v1.DeviceWentOffline"), "DeviceWentOffline");
        await device.SendAsync(device.Heartbeat());
        await host.Equipment.WaitForAsync(e => e.GatewayEvents.Any(x => x.Type == "mtaeda.gateway.v1.DeviceCameBackOnline"), "DeviceCameBackOnline");

        var offline = host.Equipment.GatewayEvents.First(x => x.Type == "mtaeda.gateway.v1.DeviceWentOffline").Data;
        Assert.Equal("ts-001-01", offline.GetProperty("deviceId").GetString());
        Assert.Equal("stn-001", offline.GetProperty("stationId").GetString());
    }
}
