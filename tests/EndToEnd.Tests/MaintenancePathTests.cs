using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using LocalDapr.Runner;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// The maintenance path end to end on the Redis backend, through the runner: a device's jam becomes a maintenance request
/// and a work order, a technician's assign, start and complete (HTTP through a sidecar) take the turnstile under
/// maintenance and back, escalations fire at their deadlines, and neither the maintenance app nor the whole runtime killed
/// with SIGKILL between two steps loses a step or does one twice.
/// </summary>
[Collection(nameof(MtaedaRedisSystem))]
public sealed class MaintenancePathTests(MtaedaRedisSystem system)
{
    private static readonly string[] CompletedSteps = ["work order created", "work order assigned", "maintenance started", "device restored", "closed"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_jam_sent_by_a_device_is_an_open_work_order_within_two_seconds_and_completing_it_over_http_restores_the_turnstile_and_its_counter()
    {
        await ProvisionAsync("stn-mnt-1", "ts-mnt-1-01", maxPassages: 1_000);
        using var certificates = DevCertificates.Ensure(system.CertsDir);
        using var certificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, "ts-mnt-1-01", "stn-mnt-1");
        await using var device = await TestDevice.ConnectAsync(new Uri($"https://localhost:{system.DevicePort}"), "ts-mnt-1-01", certificate, certificates.Ca, Ct);
        var passages = Enumerable.Range(0, 5).Select(_ => device.Passage(PassageDirection.Ingress)).ToArray();
        await device.SendAsync(passages);
        await device.WaitForAsync(d => d.Forwarded >= passages[^1].Sequence, "the passages to be forwarded");
        await Eventually.UntilAsync(async () => (await TurnstileAsync("ts-mnt-1-01")).IngressCount == 5, "the passages to be counted", cancellationToken: Ct);

        var clock = Stopwatch.StartNew();
        await device.SendAsync(device.Fault(FaultKind.Jammed, "ticket stuck in the reader"));
        var order = await OpenWorkOrderAsync("stn-mnt-1", TimeSpan.FromSeconds(10));
        var elapsed = clock.Elapsed;
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"the work order took {elapsed.TotalMilliseconds:F0} ms from the jam");
        Assert.Equal(("ts-mnt-1-01", DeviceKind.Turnstile, WorkOrderStatus.Created), (order.DeviceId, order.DeviceKind, order.Status));

        using var http = Http();
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:assign", new { technicianId = "tech-001" });
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:start", new { });
        await Eventually.UntilAsync(async () => (await TurnstileAsync("ts-mnt-1-01")).Status == TurnstileStatus.UnderMaintenance, "the turnstile UNDER_MAINTENANCE", cancellationToken: Ct);
        await device.WaitForAsync(d => d.StatusChanges.Any(c => c.Status == TurnstileStatus.UnderMaintenance), "the device to be told it is UNDER_MAINTENANCE");
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:complete", new { notes = "reader cleaned" });

        var restored = await Eventually.MatchesAsync(() => TurnstileAsync("ts-mnt-1-01"), t => t.Status == TurnstileStatus.Operational && t.MaintenanceCycles == 1,
            Eventually.DefaultTimeout, Ct, "the turnstile OPERATIONAL after its maintenance");
        Assert.Equal((0L, 5L, false), (restored.PassagesSinceMaintenance, restored.IngressCount, restored.PassageThresholdExceeded));
        await device.WaitForAsync(d => d.StatusChanges.Last().Status == TurnstileStatus.Operational, "the device to be told it is OPERATIONAL again");
        var request = await ClosedRequestAsync(http, order.RequestId);
        Assert.Equal(CompletedSteps, request.Steps);
    }

    [Fact]
    public async Task An_unassigned_order_escalates_at_its_deadline_and_again_at_the_second_and_the_next_cycle_raises_the_threshold_again()
    {
        // A worn turnstile at a quiet station is LOW, whose deadlines this system sets to seconds.
        await ProvisionAsync("stn-mnt-2", "ts-mnt-2-01", maxPassages: 3);
        await RecordPassagesAsync("ts-mnt-2-01", "wear-1", 3);
        var order = await OpenWorkOrderAsync("stn-mnt-2", Eventually.DefaultTimeout);
        Assert.Equal(MaintenancePriority.Low, order.Priority);

        using var http = Http();
        var escalated = await Eventually.MatchesAsync(() => RequestAsync(http, order.RequestId), r => r.Steps.Contains("escalated (level 2)"),
            TimeSpan.FromSeconds(60), Ct, "the second escalation");
        Assert.Equal(["work order created", "escalated (level 1)", "escalated (level 2)"], escalated.Steps);
        Assert.Equal(2, escalated.EscalationLevel);
        // Each escalation is recorded once its deadline (counted from the request) has passed, and not before.
        var (opened, first, second) = (escalated.OpenedAt, escalated.StepTimes[1], escalated.StepTimes[2]);
        Assert.InRange(first - opened, MtaedaSystem.LowDeadlines.AssignWithin, MtaedaSystem.LowDeadlines.CompleteWithin);
        Assert.True(second - opened >= MtaedaSystem.LowDeadlines.CompleteWithin, $"the second escalation came {second - opened} after the request");

        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:assign", new { technicianId = "tech-002" });
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:start", new { });
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:complete", new { notes = "bearings replaced" });
        var closed = await ClosedRequestAsync(http, order.RequestId);
        Assert.Equal(["work order created", "escalated (level 1)", "escalated (level 2)", .. CompletedSteps[1..]], closed.Steps);

        // The new cycle counts from zero: three more passages raise the threshold again, and a new request opens.
        await RecordPassagesAsync("ts-mnt-2-01", "wear-2", 3);
        var requests = await Eventually.MatchesAsync(
            () => system.Maintenance.ListMaintenanceRequestsAsync(new ListMaintenanceRequestsRequest { DeviceId = "ts-mnt-2-01" }, cancellationToken: Ct).ResponseAsync,
            r => r.Requests.Count == 2, Eventually.DefaultTimeout, Ct, "a second request in the new cycle");
        Assert.Equal(MaintenanceCause.Worn, requests.Requests[0].Cause);
        Assert.NotEqual(order.RequestId, requests.Requests[0].RequestId);
        Assert.Equal(3, (await TurnstileAsync("ts-mnt-2-01")).PassagesSinceMaintenance);
    }

    [Fact]
    public async Task The_maintenance_app_killed_between_two_steps_finishes_the_process_with_no_step_lost_or_done_twice()
    {
        await ProvisionAsync("stn-mnt-3", "ts-mnt-3-01", maxPassages: 1_000);
        await system.Equipment.ReportFaultAsync(new ReportFaultRequest { TurnstileId = "ts-mnt-3-01", Kind = FaultKind.Malfunction, Reason = "no power" }, cancellationToken: Ct);
        var order = await OpenWorkOrderAsync("stn-mnt-3", Eventually.DefaultTimeout);
        using var http = Http();
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:assign", new { technicianId = "tech-003" });
        await Eventually.MatchesAsync(() => RequestAsync(http, order.RequestId), r => r.Steps.Contains("work order assigned"), Eventually.DefaultTimeout, Ct, "the assignment recorded");

        var killed = system.RunningPid("maintenance") ?? throw new InvalidOperationException("maintenance is not running");
        ProcessTree.Signal(killed, ProcessTree.SigKill);
        await system.Runner.WaitForLineAsync(l => l.Contains($"app \"maintenance\" (pid {killed}) exited with code 137 at ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
        // The work order is started while maintenance is down: its event waits in the stream for the restarted app.
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:start", new { });
        await system.Runner.WaitForLineAsync(l => l.Contains("app \"maintenance\" is back (app pid ", StringComparison.Ordinal) && !l.Contains($"(app pid {killed})", StringComparison.Ordinal), TimeSpan.FromSeconds(180), Ct);
        await Eventually.UntilAsync(async () => (await TurnstileAsync("ts-mnt-3-01")).Status == TurnstileStatus.UnderMaintenance, "the turnstile UNDER_MAINTENANCE", TimeSpan.FromSeconds(60), Ct);
        await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:complete", new { notes = "fuse replaced" });

        await FinishedOnceAsync(http, order, "ts-mnt-3-01");
    }

    [Fact]
    public async Task The_runtime_killed_between_two_steps_and_started_again_finishes_the_process_with_no_step_lost_or_done_twice()
    {
        await ProvisionAsync("stn-mnt-4", "ts-mnt-4-01", maxPassages: 1_000);
        await system.Equipment.ReportFaultAsync(new ReportFaultRequest { TurnstileId = "ts-mnt-4-01", Kind = FaultKind.Locked, Reason = "forced entry" }, cancellationToken: Ct);
        var order = await OpenWorkOrderAsync("stn-mnt-4", Eventually.DefaultTimeout);
        using (var http = Http())
        {
            await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:assign", new { technicianId = "tech-001" });
            await PostAsync(http, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:start", new { });
            await Eventually.UntilAsync(async () => (await TurnstileAsync("ts-mnt-4-01")).Status == TurnstileStatus.UnderMaintenance, "the turnstile UNDER_MAINTENANCE", cancellationToken: Ct);
        }

        await system.KillAndRestartRuntimeAsync();

        using var again = Http();
        await PostAsync(again, $"scheduling/method/v1/work-orders/{order.WorkOrderId}:complete", new { notes = "lock replaced" });
        await FinishedOnceAsync(again, order, "ts-mnt-4-01");
    }

    /// <summary>The process finished: the request closed with each step once, one work order, one maintenance cycle.</summary>
    private async Task FinishedOnceAsync(HttpClient http, WorkOrder order, string turnstileId)
    {
        var closed = await ClosedRequestAsync(http, order.RequestId);
        Assert.Equal(CompletedSteps, closed.Steps);
        var turnstile = await Eventually.MatchesAsync(() => TurnstileAsync(turnstileId), t => t.Status == TurnstileStatus.Operational, Eventually.DefaultTimeout, Ct, "the turnstile restored");
        Assert.Equal((1, 0L), (turnstile.MaintenanceCycles, turnstile.PassagesSinceMaintenance));
        var orders = await system.Scheduling.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = order.StationId }, cancellationToken: Ct);
        var only = Assert.Single(orders.WorkOrders);
        Assert.Equal(WorkOrderStatus.Completed, only.Status);
    }

    private sealed record RequestView(string Status, int EscalationLevel, DateTimeOffset OpenedAt, string[] Steps, DateTimeOffset[] StepTimes);

    private async Task<RequestView> ClosedRequestAsync(HttpClient http, string requestId) =>
        await Eventually.MatchesAsync(() => RequestAsync(http, requestId), r => r.Status == "MAINTENANCE_REQUEST_STATUS_CLOSED", TimeSpan.FromSeconds(60), Ct, $"request {requestId} closed");

    /// <summary><c>GET /v1/maintenance/requests/{id}</c> over HTTP through the simulator's sidecar.</summary>
    private static async Task<RequestView> RequestAsync(HttpClient http, string requestId)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"maintenance/method/v1/maintenance/requests/{requestId}", Ct));
        var root = doc.RootElement;
        var steps = root.TryGetProperty("steps", out var list) ? list.EnumerateArray().ToArray() : [];
        return new RequestView(
            root.GetProperty("status").GetString()!,
            root.TryGetProperty("escalationLevel", out var level) ? level.GetInt32() : 0,
            root.GetProperty("openedAt").GetDateTimeOffset(),
            [.. steps.Select(s => s.GetProperty("name").GetString()!)],
            [.. steps.Select(s => s.GetProperty("at").GetDateTimeOffset())]);
    }

    private async Task<WorkOrder> OpenWorkOrderAsync(string stationId, TimeSpan timeout)
    {
        var found = await Eventually.MatchesAsync(
            () => system.Scheduling.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = stationId }, cancellationToken: Ct).ResponseAsync,
            list => list.WorkOrders.Count > 0, timeout, Ct, $"a work order at {stationId}");
        return Assert.Single(found.WorkOrders);
    }

    private Task<Turnstile> TurnstileAsync(string turnstileId) =>
        system.Equipment.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = turnstileId }, cancellationToken: Ct).ResponseAsync;

    private async Task RecordPassagesAsync(string turnstileId, string batchId, long ingress)
    {
        var start = DateTimeOffset.UtcNow;
        await system.Equipment.RecordPassagesAsync(new RecordPassagesRequest
        {
            TurnstileId = turnstileId, BatchId = batchId, Ingress = ingress,
            IntervalStart = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start),
            IntervalEnd = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start),
        }, cancellationToken: Ct);
    }

    /// <summary>An HTTP client of the sidecars' invoke API (<c>/v1.0/invoke/{app}/method/…</c>) through the simulator's sidecar, as a supervisor.</summary>
    private HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = new Uri($"{system.SidecarHttp("simulator")}/v1.0/invoke/") };
        http.DefaultRequestHeaders.Add("dapr-api-token", system.ApiToken);
        // On behalf of a supervisor: scheduling takes work-order commands from users only (ADR 0009).
        return system.HubIssuer.As(http, "supervisor");
    }

    private static async Task PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body, Ct);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private Task ProvisionAsync(string stationId, string turnstileId, long maxPassages) =>
        system.ProvisionAsync(stationId, $"Station {stationId}", "green", maxPassages, turnstileId);
}
