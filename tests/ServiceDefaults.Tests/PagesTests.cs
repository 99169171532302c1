using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults.Paging;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class PagesTests
{
    private static PageKey Key(int n) => new(-n, 0, $"item-{n:D3}");

    [Fact]
    public void Pages_follow_the_order_and_the_last_has_no_next_token()
    {
        var items = Enumerable.Range(1, 7).ToList();

        var first = Pages.Of(items, Key, 3, "", "q", 500);
        var second = Pages.Of(items, Key, 3, first.NextPageToken, "q", 500);
        var third = Pages.Of(items, Key, 3, second.NextPageToken, "q", 500);

        Assert.Equal([7, 6, 5], first.Items);
        Assert.Equal([4, 3, 2], second.Items);
        Assert.Equal([1], third.Items);
        Assert.Equal("", third.NextPageToken);
        Assert.NotEqual("", second.NextPageToken);
    }

    [Fact]
    public void A_page_starts_after_the_last_item_given_whatever_came_or_went_in_between()
    {
        var first = Pages.Of(Enumerable.Range(1, 6), Key, 2, "", "q", 500);
        Assert.Equal([6, 5], first.Items);

        // A newer item came (it sorts first) and item 4 went: nothing is given twice, nothing after 5 is skipped.
        var next = Pages.Of(new[] { 1, 2, 3, 5, 6, 9 }, Key, 2, first.NextPageToken, "q", 500);

        Assert.Equal([3, 2], next.Items);
    }

    [Fact]
    public void The_size_is_coerced_to_the_maximum_and_zero_means_the_default()
    {
        var items = Enumerable.Range(1, 30).ToList();

        Assert.Equal(10, Pages.Of(items, Key, 0, "", "q", 10).Items.Count);
        Assert.Equal(10, Pages.Of(items, Key, 25, "", "q", 10).Items.Count);
        Assert.Equal(30, Pages.Of(items, Key, 0, "", "q", 500).Items.Count);
        Assert.Equal("", Pages.Of(items, Key, 0, "", "q", 500).NextPageToken);
    }

    [Fact]
    public void A_negative_size_a_foreign_token_and_a_token_of_other_filters_are_refused_naming_the_field()
    {
        var items = Enumerable.Range(1, 5).ToList();
        var token = Pages.Of(items, Key, 2, "", "station=a", 500).NextPageToken;

        var negative = Assert.Throws<RpcException>(() => Pages.Of(items, Key, -1, "", "q", 500));
        var garbage = Assert.Throws<RpcException>(() => Pages.Of(items, Key, 2, "not-a-token!", "q", 500));
        var otherFilters = Assert.Throws<RpcException>(() => Pages.Of(items, Key, 2, token, "station=b", 500));

        Assert.Equal(("page_size", StatusCode.InvalidArgument), (Assert.Single(Errors.FieldViolationsOf(negative)).Field, negative.StatusCode));
        Assert.Equal("page_token", Assert.Single(Errors.FieldViolationsOf(garbage)).Field);
        Assert.Equal("page_token", Assert.Single(Errors.FieldViolationsOf(otherFilters)).Field);
    }
}
