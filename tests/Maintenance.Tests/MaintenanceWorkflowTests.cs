using Mtaeda.Maintenance.Workflows;

namespace Mtaeda.Maintenance.Tests;

/// <summary>The maintenance workflow's logic with a scripted context: events and deadlines decide each step.</summary>
public sealed class MaintenanceWorkflowTests
{
    private static readonly DateTime T0 = new(2026, 3, 2, 7, 30, 0, DateTimeKind.Utc);

    // As the intake starts it: unranked; the first activity ranks it (HIGH: assigned within 2 s, completed within 4 s).
    private static readonly MaintenanceProcess Process = new(
        "mr-1", "ts-001-01", DeviceKind.Turnstile, "stn-001", MaintenancePriority.Unspecified, "jammed", T0, TimeSpan.Zero, TimeSpan.Zero);

    private static readonly Ranking High = new(MaintenancePriority.High, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));

    /// <summary>The workflow run on a new scripted context, past its first activity (the request ranked HIGH, its work order created).</summary>
    private static async Task<(ScriptedWorkflowContext Context, Task<MaintenanceResult> Run)> CreatedAsync()
    {
        var context = new ScriptedWorkflowContext("mr-1", T0) { Answer = (name, _) => name == nameof(CreateWorkOrderActivity) ? High : null };
        var run = new MaintenanceWorkflow().RunAsync(context, Process);
        await StepsAsync(context, 1, "the work order is created");
        return (context, run);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Names(ScriptedWorkflowContext context) => [.. context.Activities.Select(a => a.Name)];

    private static Task StepsAsync(ScriptedWorkflowContext context, int count, string what) =>
        Eventually.UntilAsync(() => context.Activities.Count >= count, what, TimeSpan.FromSeconds(10), Ct);

    private static async Task<MaintenanceResult> WorkAsync(ScriptedWorkflowContext context, Task<MaintenanceResult> run)
    {
        context.Raise(MaintenanceWorkflow.Assigned, "tech-001");
        context.Raise(MaintenanceWorkflow.Started, "tech-001");
        context.Raise(MaintenanceWorkflow.Completed, "tech-001");
        return await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Assigned_started_and_completed_in_time_puts_the_device_under_maintenance_restores_it_and_closes_without_escalation()
    {
        var (context, run) = await CreatedAsync();

        var result = await WorkAsync(context, run);

        Assert.Equal(new MaintenanceResult(Completed: true, EscalationLevel: 0), result);
        Assert.Equal(
            [nameof(CreateWorkOrderActivity), nameof(RecordStepActivity), nameof(StartDeviceMaintenanceActivity), nameof(FinishDeviceMaintenanceActivity), nameof(CloseRequestActivity)],
            Names(context));
        Assert.True(Assert.IsType<Closing>(context.Activities.ElementAt(3).Input).Completed);
        Assert.True(Assert.IsType<Closing>(context.Activities.Last().Input).Completed);
    }

    [Fact]
    public async Task Events_delivered_out_of_order_are_taken_in_the_process_order()
    {
        var (context, run) = await CreatedAsync();

        context.Raise(MaintenanceWorkflow.Completed, "tech-001");
        context.Raise(MaintenanceWorkflow.Started, "tech-001");
        Assert.Single(context.Activities);
        context.Raise(MaintenanceWorkflow.Assigned, "tech-001");

        Assert.Equal(new MaintenanceResult(true, 0), await run.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(5, context.Activities.Count);
    }

    [Fact]
    public async Task An_unassigned_order_escalates_at_the_first_deadline_and_again_at_the_second()
    {
        var (context, run) = await CreatedAsync();

        context.AdvanceTo(T0.AddSeconds(1));
        Assert.Single(context.Activities);
        context.AdvanceTo(T0.AddSeconds(2));
        await StepsAsync(context, 2, "the first escalation");
        var first = Assert.IsType<Escalation>(context.Activities.Last().Input);
        Assert.Equal((1, T0.AddSeconds(2)), (first.Level, first.Deadline));
        // The deadlines and the escalation's priority are the first activity's ranking; it was given the unranked process.
        Assert.Equal(MaintenancePriority.High, first.Process.Priority);
        Assert.Equal(MaintenancePriority.Unspecified, Assert.IsType<MaintenanceProcess>(context.Activities.First().Input).Priority);

        await Eventually.UntilAsync(() => context.TimersCreated == 2, "the second deadline's timer", TimeSpan.FromSeconds(10), Ct);
        context.AdvanceTo(T0.AddSeconds(4));
        await StepsAsync(context, 3, "the second escalation");
        var second = Assert.IsType<Escalation>(context.Activities.Last().Input);
        Assert.Equal((2, T0.AddSeconds(4)), (second.Level, second.Deadline));

        var result = await WorkAsync(context, run);

        Assert.Equal(new MaintenanceResult(true, 2), result);
        Assert.Equal(
            [nameof(CreateWorkOrderActivity), nameof(EscalateActivity), nameof(EscalateActivity), nameof(RecordStepActivity),
                nameof(StartDeviceMaintenanceActivity), nameof(FinishDeviceMaintenanceActivity), nameof(CloseRequestActivity)],
            Names(context));
        Assert.Equal(2, context.TimersCreated);
    }

    [Fact]
    public async Task Assigned_in_time_but_not_completed_escalates_once_at_the_second_deadline()
    {
        var (context, run) = await CreatedAsync();

        // One timer per wait: the first deadline's while unassigned, then the second's while waiting for the start, and again for the completion.
        context.Raise(MaintenanceWorkflow.Assigned, "tech-001");
        await StepsAsync(context, 2, "the assignment");
        await Eventually.UntilAsync(() => context.TimersCreated == 2, "the second deadline's timer while waiting for the start", TimeSpan.FromSeconds(10), Ct);
        context.Raise(MaintenanceWorkflow.Started, "tech-001");
        await StepsAsync(context, 3, "the start");
        await Eventually.UntilAsync(() => context.TimersCreated == 3, "the second deadline's timer while waiting for the completion", TimeSpan.FromSeconds(10), Ct);
        context.AdvanceTo(T0.AddSeconds(4));
        await StepsAsync(context, 4, "the escalation");
        context.Raise(MaintenanceWorkflow.Completed, "tech-001");

        Assert.Equal(new MaintenanceResult(true, 2), await run.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(2, Assert.IsType<Escalation>(context.Activities.ElementAt(3).Input).Level);
    }

    [Fact]
    public async Task A_cancellation_before_the_start_closes_the_request_without_touching_the_device()
    {
        var (context, run) = await CreatedAsync();

        context.Raise(MaintenanceWorkflow.Assigned, "tech-001");
        await StepsAsync(context, 2, "the assignment");
        context.Raise(MaintenanceWorkflow.Cancelled, "duplicate");
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(new MaintenanceResult(false, 0), result);
        Assert.Equal([nameof(CreateWorkOrderActivity), nameof(RecordStepActivity), nameof(CloseRequestActivity)], Names(context));
        Assert.False(Assert.IsType<Closing>(context.Activities.Last().Input).Completed);
    }

    [Fact]
    public async Task A_cancellation_after_the_start_gives_the_device_back_as_it_was_then_closes()
    {
        var (context, run) = await CreatedAsync();

        context.Raise(MaintenanceWorkflow.Assigned, "tech-001");
        context.Raise(MaintenanceWorkflow.Started, "tech-001");
        await StepsAsync(context, 3, "the start");
        context.Raise(MaintenanceWorkflow.Cancelled, "wrong device");

        Assert.Equal(new MaintenanceResult(false, 0), await run.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(
            [nameof(CreateWorkOrderActivity), nameof(RecordStepActivity), nameof(StartDeviceMaintenanceActivity), nameof(FinishDeviceMaintenanceActivity), nameof(CloseRequestActivity)],
            Names(context));
        Assert.False(Assert.IsType<Closing>(context.Activities.ElementAt(3).Input).Completed);
    }
}
