using Bunit;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Dashboard.Components.Pages;

namespace Mtaeda.Dashboard.Tests.Components;

public sealed class PassengersPageTests
{
    private static DashboardContext With(string role)
    {
        var context = new DashboardContext(role, role + "-001");
        context.Backend
            .On<GetPassengerRequest>("GetPassenger", r => r.PassengerId == "p-1"
                ? new Passenger
                {
                    PassengerId = "p-1", Info = new PassengerInfo { DisplayName = "Ada Lovelace", Email = "ada@example.org", Language = "en" },
                    CardBalanceCents = 2_750, IdentificationConsent = true, RegisteredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    LoyaltyProgram = new LoyaltyProgram { ProgramId = "lp-1", Tier = LoyaltyTier.Gold, Status = LoyaltyProgramStatus.Active },
                }
                : throw new RpcException(new Status(StatusCode.NotFound, $"no passenger '{r.PassengerId}' is registered")))
            .On<GetCardBalanceRequest>("GetCardBalance", r => new CardBalance { PassengerId = r.PassengerId, BalanceCents = 2_750, TopUpsCredited = 2 });
        return context;
    }

    [Fact]
    public async Task A_supervisor_looks_a_passenger_up_and_sees_the_card_loyalty_and_consent()
    {
        await using var context = With(Roles.Supervisor);
        var page = context.RenderPage<PassengersPage>();

        page.Find("input[data-testid=passenger-id]").Input("p-1");
        await page.Find("[data-testid=look-up]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("Ada Lovelace", page.Find("[data-testid=passenger-name]").TextContent));
        Assert.Contains("27.50 (2 top-ups credited)", page.Find("[data-testid=card-balance]").TextContent, StringComparison.Ordinal);
        Assert.Contains("gold, active", page.Find("[data-testid=loyalty]").TextContent, StringComparison.Ordinal);
        Assert.Contains("enrolled with consent", page.Find("[data-testid=consent]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_passenger_is_said_so()
    {
        await using var context = With(Roles.Supervisor);
        var page = context.RenderPage<PassengersPage>();

        page.Find("input[data-testid=passenger-id]").Input("p-404");
        await page.Find("[data-testid=look-up]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("p-404", page.Find("[data-testid=look-up-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=passenger]"));
    }

    [Theory]
    [InlineData(Roles.Technician)]
    [InlineData(Roles.Viewer)]
    public async Task Other_roles_cannot_look_passengers_up(string role)
    {
        await using var context = With(role);
        var page = context.RenderPage<PassengersPage>();

        Assert.NotNull(page.Find("[data-testid=supervisors-only]"));
        Assert.Empty(page.FindAll("[data-testid=look-up]"));
        Assert.Empty(context.Backend.Calls);
    }
}
