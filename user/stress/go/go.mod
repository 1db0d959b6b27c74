module gosync/chanbench

go 1.19
