using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Actors;
using Mtaeda.Passengers.Domain;
using Mtaeda.Passengers.Infrastructure;
using Mtaeda.Passengers.Workflows;
using Mtaeda.ServiceDefaults;
using IdentificationClient = Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient;
using PassengerMessage = Mtaeda.Contracts.Passengers.V1.Passenger;
using PassengersService = Mtaeda.Contracts.Passengers.V1.Passengers;

namespace Mtaeda.Passengers.Api;

/// <summary>
/// The <c>mtaeda.passengers.v1.Passengers</c> gRPC service (JSON-transcoded). Fields are checked here (InvalidArgument
/// naming the field, before anything is called); the passenger's actor decides and records; a top-up is its workflow
/// (instance id derived from the request id), read back from the workflow and the passenger's record of it.
/// </summary>
/// <param name="actors">The passenger actors.</param>
/// <param name="workflows">The workflow client.</param>
/// <param name="identification">Identification, which holds the templates of enrolled passengers.</param>
/// <param name="options">The settings.</param>
/// <param name="time">The clock.</param>
public sealed class PassengersApi(PassengerActors actors, DaprWorkflowClient workflows, IdentificationClient identification, PassengersOptions options, TimeProvider time)
    : PassengersService.PassengersBase
{
    /// <inheritdoc />
    public override async Task<PassengerMessage> RegisterPassenger(RegisterPassengerRequest request, ServerCallContext context)
    {
        var id = Ids.Require(request.PassengerId, "passenger_id");
        var info = PassengerRules.Info(request.Info);
        return ToContract(await CallAsync(id, a => a.RegisterAsync(info)));
    }

    /// <inheritdoc />
    public override async Task<PassengerMessage> UpdatePassengerInformation(UpdatePassengerInformationRequest request, ServerCallContext context)
    {
        var id = Ids.Require(request.PassengerId, "passenger_id");
        var info = PassengerRules.Info(request.Info);
        return ToContract(await CallAsync(id, a => a.UpdateInformationAsync(info)));
    }

    /// <inheritdoc />
    public override async Task<PassengerMessage> GetPassenger(GetPassengerRequest request, ServerCallContext context) =>
        ToContract(await CallAsync(Ids.Require(request.PassengerId, "passenger_id"), a => a.GetAsync()));

    /// <inheritdoc />
    public override async Task<PassengerMessage> RequestLoyaltyProgram(RequestLoyaltyProgramRequest request, ServerCallContext context)
    {
        var id = Ids.Require(request.PassengerId, "passenger_id");
        var command = new LoyaltyProgramCommand(Ids.Require(request.ProgramId, "program_id"), PassengerRules.Tier(request.Tier, LoyaltyTier.Standard));
        return ToContract(await CallAsync(id, a => a.RequestLoyaltyProgramAsync(command)));
    }

    /// <inheritdoc />
    public override async Task<PassengerMessage> UpdateLoyaltyProgram(UpdateLoyaltyProgramRequest request, ServerCallContext context)
    {
        var id = Ids.Require(request.PassengerId, "passenger_id");
        var command = new LoyaltyProgramCommand("", PassengerRules.Tier(request.Tier, fallback: null));
        return ToContract(await CallAsync(id, a => a.UpdateLoyaltyProgramAsync(command)));
    }

    /// <inheritdoc />
    public override async Task<PassengerMessage> RetireLoyaltyProgram(RetireLoyaltyProgramRequest request, ServerCallContext context)
    {
        var id = Ids.Require(request.PassengerId, "passenger_id");
        var reason = PassengerRules.Reason(request.Reason);
        return ToContract(await CallAsync(id, a => a.RetireLoyaltyProgramAsync(reason)));
    }

    /// <inheritdoc />
    public override async Task<PassengerMessage> EnrollForIdentification(EnrollForIdentificationRequest request, ServerCallContext context)
    {
        var id = Ids.Require(request.PassengerId, "passenger_id");
        if (!request.Consent) throw DomainRefusalException.Invalid("consent", "must be true: enrolment needs the passenger's explicit consent");
        Templates(request.Templates);
        // Numbered first (NotFound before the templates go anywhere), so that identification can tell this enrolment from
        // the ones a withdrawal covers, however late the withdrawal reaches it.
        var sequence = (await CallAsync(id, a => a.BeginEnrollmentAsync())).EnrollmentSequence;
        // The templates go to identification only; consent is recorded once identification holds them.
        var enrollment = new EnrollPassengerRequest { PassengerId = id, EnrollmentSequence = sequence };
        enrollment.Templates.AddRange(request.Templates);
        await identification.EnrollPassengerAsync(enrollment, cancellationToken: context.CancellationToken);
        return ToContract(await CallAsync(id, a => a.GiveConsentAsync(sequence)));
    }

    /// <inheritdoc />
    public override async Task<PassengerMessage> WithdrawConsent(WithdrawConsentRequest request, ServerCallContext context) =>
        ToContract(await CallAsync(Ids.Require(request.PassengerId, "passenger_id"), a => a.WithdrawConsentAsync()));

    /// <inheritdoc />
    public override async Task<TopUp> RequestTopUp(RequestTopUpRequest request, ServerCallContext context)
    {
        var passengerId = Ids.Require(request.PassengerId, "passenger_id");
        var topUpId = Ids.Require(request.RequestId, "request_id");
        var amount = PassengerRules.Amount(request.AmountCents);
        var token = PassengerRules.PaymentMethodToken(request.PaymentMethodToken);
        await CallAsync(passengerId, a => a.GetAsync());

        var instanceId = TopUpWorkflow.InstanceId(topUpId);
        var process = new TopUpProcess(topUpId, passengerId, amount, token, time.GetUtcNow().UtcDateTime, options.PaymentMethodTimeout);
        // A repeated request finds its instance (a finished one too: scheduling it again would start it anew) and is answered with it.
        var existing = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: true, context.CancellationToken);
        if (existing is not { Exists: true })
        {
            try
            {
                await workflows.ScheduleNewWorkflowAsync(nameof(TopUpWorkflow), instanceId, process);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                // Started meanwhile by the same request sent twice at once.
            }

            existing = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: true, context.CancellationToken);
        }

        var started = existing?.ReadInputAs<TopUpProcess>();
        if (started is null || started.PassengerId != passengerId || started.AmountCents != amount || started.PaymentMethodToken != token)
        {
            throw DomainRefusalException.AlreadyExists("request_id", $"top-up '{topUpId}' was requested already with other values");
        }

        return await ReadTopUpAsync(existing!, started, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<TopUp> GetTopUp(GetTopUpRequest request, ServerCallContext context)
    {
        var topUpId = Ids.Require(request.TopUpId, "top_up_id");
        var state = await workflows.GetWorkflowStateAsync(TopUpWorkflow.InstanceId(topUpId), getInputsAndOutputs: true, context.CancellationToken);
        var process = state is { Exists: true } ? state.ReadInputAs<TopUpProcess>() : null;
        if (process is null) throw DomainRefusalException.NotFound("top_up_id", $"no top-up '{topUpId}'");
        return await ReadTopUpAsync(state!, process, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<CardBalance> GetCardBalance(GetCardBalanceRequest request, ServerCallContext context)
    {
        var passenger = await CallAsync(Ids.Require(request.PassengerId, "passenger_id"), a => a.GetAsync());
        return new CardBalance
        {
            PassengerId = passenger.PassengerId,
            BalanceCents = passenger.BalanceCents,
            TopUpsCredited = passenger.TopUps.Values.Count(t => t.Status == TopUpStatus.Completed),
        };
    }

    /// <inheritdoc />
    public override async Task<ConfirmPaymentMethodResponse> ConfirmPaymentMethod(ConfirmPaymentMethodRequest request, ServerCallContext context)
    {
        var token = PassengerRules.PaymentMethodToken(request.PaymentMethodToken);
        var id = Ids.Require(request.PassengerId, "passenger_id");
        var reply = await actors.Of(id).AnswerPaymentMethodAsync(new PaymentMethodAnswerCommand(token, request.Accepted));
        if (reply.Refusal is { } refusal) throw refusal.ToException();
        var response = new ConfirmPaymentMethodResponse();
        response.TopUpIds.AddRange(reply.TopUpIds);
        return response;
    }

    private void Templates(IReadOnlyList<FaceTemplate> templates)
    {
        if (templates.Count == 0) throw DomainRefusalException.Invalid("templates", "at least one is required");
        FaceTemplateRule.CheckAll(templates, "templates", options.TemplateLength, PassengerRules.MaxTemplates);
    }

    private async Task<TopUp> ReadTopUpAsync(WorkflowState state, TopUpProcess process, CancellationToken cancellationToken)
    {
        var topUp = new TopUp { TopUpId = process.TopUpId, PassengerId = process.PassengerId, AmountCents = process.AmountCents, Status = TopUpStatus.Pending };
        var recorded = await actors.Of(process.PassengerId).GetTopUpAsync(process.TopUpId);
        if (recorded.TopUp is { } known)
        {
            topUp.Status = known.Status;
            topUp.FailureReason = known.FailureReason;
            topUp.BalanceAfterCents = known.BalanceAfterCents;
            topUp.Steps.AddRange(known.Steps.Select(s => new TopUpStep { Name = s.Name, At = Timestamp.FromDateTimeOffset(s.At) }));
        }

        if (state.RuntimeStatus is WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated && topUp.Status is not (TopUpStatus.Completed or TopUpStatus.Failed))
        {
            topUp.Status = TopUpStatus.Failed;
            topUp.FailureReason = $"the top-up's process {state.RuntimeStatus.ToString().ToLowerInvariant()}";
        }

        return topUp;
    }

    private async Task<PassengerState> CallAsync(string passengerId, Func<IPassengerActor, Task<ActorReply<PassengerState>>> call) =>
        (await call(actors.Of(passengerId))).ValueOrThrow();

    private static PassengerMessage ToContract(PassengerState state)
    {
        var message = new PassengerMessage
        {
            PassengerId = state.PassengerId,
            Info = state.Info.ToContract(),
            IdentificationConsent = state.IdentificationConsent,
            CardBalanceCents = state.BalanceCents,
        };
        if (state.RegisteredAt is { } at) message.RegisteredAt = Timestamp.FromDateTimeOffset(at);
        if (state.LoyaltyProgram is { } program) message.LoyaltyProgram = program.ToContract();
        return message;
    }
}
