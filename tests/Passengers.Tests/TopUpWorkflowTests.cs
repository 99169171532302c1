using Mtaeda.Passengers.Workflows;
using Mtaeda.Testing;

namespace Mtaeda.Passengers.Tests;

/// <summary>The top-up workflow's logic with a scripted context: a known method, a new one confirmed, rejected or never answered, a request done before.</summary>
public sealed class TopUpWorkflowTests
{
    private static readonly DateTime T0 = new(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc);
    private static readonly TopUpProcess Process = new("tu-1", "p-1", 1_500, "tok_new_card", T0, TimeSpan.FromMinutes(15));
    private static readonly TopUpResult Credited = new(true, "", 1_500);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ScriptedWorkflowContext Context(bool methodKnown, TopUpResult? endedBefore = null) =>
        new(TopUpWorkflow.InstanceId("tu-1"), T0, nameof(TopUpWorkflow))
        {
            Answer = (name, input) => name switch
            {
                nameof(RecordTopUpActivity) => new TopUpProgress(methodKnown, endedBefore),
                nameof(RequestPaymentMethodActivity) => false,
                nameof(CompleteTopUpActivity) => Credited,
                nameof(FailTopUpActivity) => new TopUpResult(false, ((TopUpFailure)input!).Reason, 0),
                _ => null,
            },
        };

    private static string[] Names(ScriptedWorkflowContext context) => [.. context.Activities.Select(a => a.Name)];

    [Fact]
    public async Task A_known_payment_method_credits_the_card_at_once()
    {
        var context = Context(methodKnown: true);
        var result = await new TopUpWorkflow().RunAsync(context, Process).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(Credited, result);
        Assert.Equal([nameof(RecordTopUpActivity), nameof(CompleteTopUpActivity)], Names(context));
    }

    [Fact]
    public async Task A_new_payment_method_is_requested_and_the_card_is_credited_once_it_is_confirmed()
    {
        var context = Context(methodKnown: false);
        var run = new TopUpWorkflow().RunAsync(context, Process);
        await Eventually.UntilAsync(() => context.TimersCreated == 1, "the wait for the payment method", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal([nameof(RecordTopUpActivity), nameof(RequestPaymentMethodActivity)], Names(context));
        Assert.Equal("awaiting payment method", context.Statuses.Last());

        context.Raise(TopUpWorkflow.PaymentMethodUpdated, new PaymentMethodAnswer(Accepted: true));
        Assert.Equal(Credited, await run.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal([nameof(RecordTopUpActivity), nameof(RequestPaymentMethodActivity), nameof(CompleteTopUpActivity)], Names(context));
    }

    [Fact]
    public async Task A_confirmation_raised_before_the_wait_begins_is_not_lost()
    {
        var context = Context(methodKnown: false);
        context.Raise(TopUpWorkflow.PaymentMethodUpdated, new PaymentMethodAnswer(Accepted: true));
        Assert.Equal(Credited, await new TopUpWorkflow().RunAsync(context, Process).WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_rejected_payment_method_fails_the_top_up_without_a_credit()
    {
        var context = Context(methodKnown: false);
        var run = new TopUpWorkflow().RunAsync(context, Process);
        await Eventually.UntilAsync(() => context.TimersCreated == 1, "the wait for the payment method", TimeSpan.FromSeconds(10), Ct);
        context.Raise(TopUpWorkflow.PaymentMethodUpdated, new PaymentMethodAnswer(Accepted: false));

        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(new TopUpResult(false, TopUpWorkflow.Rejected, 0), result);
        Assert.Equal([nameof(RecordTopUpActivity), nameof(RequestPaymentMethodActivity), nameof(FailTopUpActivity)], Names(context));
        Assert.Equal("failed", context.Statuses.Last());
    }

    [Fact]
    public async Task A_payment_method_not_confirmed_by_the_deadline_fails_the_top_up_and_a_late_confirmation_changes_nothing()
    {
        var context = Context(methodKnown: false);
        var run = new TopUpWorkflow().RunAsync(context, Process);
        await Eventually.UntilAsync(() => context.TimersCreated == 1, "the wait for the payment method", TimeSpan.FromSeconds(10), Ct);
        context.AdvanceTo(T0.AddMinutes(14));
        Assert.False(run.IsCompleted);
        context.AdvanceTo(T0.AddMinutes(15));

        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(new TopUpResult(false, TopUpWorkflow.TimedOut, 0), result);
        context.Raise(TopUpWorkflow.PaymentMethodUpdated, new PaymentMethodAnswer(Accepted: true));
        Assert.DoesNotContain(nameof(CompleteTopUpActivity), Names(context));
    }

    [Fact]
    public async Task A_request_that_ended_before_is_answered_with_its_end_and_nothing_is_done_again()
    {
        var context = Context(methodKnown: true, endedBefore: Credited);
        Assert.Equal(Credited, await new TopUpWorkflow().RunAsync(context, Process).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal([nameof(RecordTopUpActivity)], Names(context));
    }
}
