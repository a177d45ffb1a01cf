package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	return errors.New("bench: not built yet")
}
